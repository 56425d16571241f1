/**
 * Certificates made by a test with Debian's openssl, as test/bearer/mtls.test.ts makes them: a CA
 * of the test's own, a server certificate for 127.0.0.1, and client certificates (extended key
 * usage clientAuth) it issued. A test that needs them fails without openssl: CI installs it.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its unencrypted private key, PEM. */
export interface TestCertificate {
  cert: string;
  key: string;
  /** Its SHA-256 thumbprint, as `cnf.x5t#S256` carries it (RFC 8705 §3.1). */
  thumbprint: string;
  /** Its subject's common name. */
  commonName: string;
}

export interface TestCertificates {
  /** The CA's certificate, PEM. */
  ca: string;
  /** For a TLS server on 127.0.0.1. */
  server: TestCertificate;
  /** Client certificates issued by the CA, by common name. */
  clients: Record<string, TestCertificate>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function thumbprintOf(cert: string): string {
  return createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url');
}

/** A CA, a server certificate for 127.0.0.1, and one client certificate per name. */
export function makeTestCertificates(clientNames: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'certs-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  const issue = (name: string, extension: string): TestCertificate => {
    openssl(
      'req',
      ...EC,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${name}`,
    );
    writeFileSync(file(`${name}.ext`), `${extension}\nbasicConstraints=CA:FALSE\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.pem`),
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
    );
    const cert = readFileSync(file(`${name}.pem`), 'utf8');
    return {
      cert,
      key: readFileSync(file(`${name}.key`), 'utf8'),
      thumbprint: thumbprintOf(cert),
      commonName: name,
    };
  };
  return {
    ca: readFileSync(file('ca.pem'), 'utf8'),
    server: issue('server', 'subjectAltName=IP:127.0.0.1'),
    clients: Object.fromEntries(
      clientNames.map((name) => [name, issue(name, 'extendedKeyUsage=clientAuth')]),
    ),
  };
}

/** A self-signed client certificate, as `self_signed_tls_client_auth` registers one. */
export function makeSelfSignedCertificate(name: string): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'self-signed-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  return {
    cert,
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    thumbprint: thumbprintOf(cert),
    commonName: name,
  };
}
