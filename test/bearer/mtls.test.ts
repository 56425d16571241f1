// Certificate-bound access tokens (RFC 8705 §3): an app that terminates TLS itself accepts a
// token whose cnf.x5t#S256 is the thumbprint of the client certificate on this connection, and
// refuses it over a connection with another certificate. The certificates are made here with
// Debian's openssl.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import { AUDIENCE, signAccessToken } from './harness.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { TEST_SECRET } from '../helpers/app.js';

const dir = mkdtempSync(join(tmpdir(), 'mtls-'));

/**
 * Without openssl (apt-get install -y openssl), say so in one line and skip; in CI, which
 * installs it, a missing openssl fails instead, so a broken set-up cannot pass as green.
 */
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl && process.env.CI === 'true') {
  throw new Error('openssl is not installed, and CI must run the mTLS tests');
}
if (!hasOpenssl) console.warn('openssl is not installed: the mTLS tests are skipped');

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1, and two client certificates signed by the CA. */
function makeCertificates(): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=test CA',
  );
  for (const name of ['server', 'alice', 'mallory']) {
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    const extensions = join(dir, `${name}.ext`);
    execFileSync('sh', [
      '-c',
      `printf '%s' "${name === 'server' ? 'subjectAltName=IP:127.0.0.1' : 'extendedKeyUsage=clientAuth'}" > ${extensions}`,
    ]);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      extensions,
    );
  }
}

const file = (name: string): Buffer => readFileSync(join(dir, name));

function thumbprint(name: string): string {
  const der = new X509Certificate(file(`${name}.pem`)).raw;
  return createHash('sha256').update(der).digest('base64url');
}

let provider: ScriptedProvider;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  if (!hasOpenssl) return;
  makeCertificates();
  provider = await startScriptedProvider();
  const app = express();
  app.use(session({ secret: 'mtls-test-secret', resave: false, saveUninitialized: false }));
  const server = createServer(
    {
      key: file('server.key'),
      cert: file('server.pem'),
      ca: file('ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.use(
    oauthMiddleware({
      secret: TEST_SECRET,
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      baseURL: url,
      logger: false,
    }),
  );
  app.get('/api/data', requireBearer({ audience: AUDIENCE }), (req, res) => {
    res.json({ sub: req.oauthUser?.sub });
  });
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  if (!hasOpenssl) return;
  await close();
  await provider.close();
});

function call(
  client: string,
  token: string,
): Promise<{ status: number; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${url}/api/data`,
      {
        ca: file('ca.pem'),
        key: file(`${client}.key`),
        cert: file(`${client}.pem`),
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!hasOpenssl)('certificate-bound access tokens', () => {
  it('accepts the token over a connection with the certificate it is bound to', async () => {
    const token = await signAccessToken(provider, { cnf: { 'x5t#S256': thumbprint('alice') } });
    expect((await call('alice', token)).status).toBe(200);
  });

  it('refuses it over a connection with another certificate', async () => {
    const token = await signAccessToken(provider, { cnf: { 'x5t#S256': thumbprint('alice') } });
    const refused = await call('mallory', token);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/error="invalid_token"/);
  });
});
