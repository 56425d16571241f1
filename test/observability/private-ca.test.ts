import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError, oauthMiddleware } from '../../src/index.js';
import type { OAuthFetch } from '../../src/index.js';
import { TEST_SECRET } from '../helpers/app.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA of the test's own, and a certificate it issued for 127.0.0.1. */
function makeCertificates(dir: string, name: string): { ca: string; key: string; cert: string } {
  const file = (suffix: string) => join(dir, `${name}.${suffix}`);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '1',
    '-subj',
    `/CN=${name} test CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl('req', ...ec, '-keyout', file('key'), '-out', file('csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('crt'),
    '-days',
    '1',
    '-extfile',
    file('ext'),
  );
  return {
    ca: readFileSync(file('ca.crt'), 'utf8'),
    key: readFileSync(file('key'), 'utf8'),
    cert: readFileSync(file('crt'), 'utf8'),
  };
}

/** `fetch` that trusts exactly this CA bundle, as docs/operations.md shows. */
function fetchTrusting(ca: string): { fetch: OAuthFetch; agent: Agent } {
  const agent = new Agent({ connect: { ca } });
  return {
    agent,
    fetch: async (url, init) =>
      (await undiciFetch(url, {
        ...init,
        dispatcher: agent,
      } as Parameters<typeof undiciFetch>[1])) as unknown as Response,
  };
}

describe.skipIf(!hasOpenssl())('a provider served over HTTPS by a private CA', () => {
  let dir: string;
  let server: Server;
  let issuer: string;
  let ca: string;
  let otherCa: string;
  const agents: Agent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oauth-rp-ca-'));
    const issued = makeCertificates(dir, 'provider');
    ca = issued.ca;
    otherCa = makeCertificates(dir, 'other').ca;
    server = createServer({ key: issued.key, cert: issued.cert }, (req, res) => {
      const metadata = {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
      };
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function middleware(fetch?: OAuthFetch) {
    return oauthMiddleware({
      secret: TEST_SECRET,
      baseURL: 'http://127.0.0.1:3000',
      issuer,
      clientId: 'client',
      clientSecret: 'secret',
      logger: false,
      ...(fetch === undefined ? {} : { fetch }),
    });
  }

  it('discovers the provider with a fetch that trusts its CA', async () => {
    const trusting = fetchTrusting(ca);
    agents.push(trusting.agent);
    await expect(middleware(trusting.fetch).ready()).resolves.toBeUndefined();
    const health = await middleware(trusting.fetch).health();
    expect(health.providers.default?.discovery?.loaded).toBe(true);
  });

  it.each([
    ['another CA', () => fetchTrusting(otherCa)],
    ['the default trust store', () => undefined],
  ])('refuses the certificate with %s, naming the TLS failure', async (_name, make) => {
    const trusting = make();
    if (trusting !== undefined) agents.push(trusting.agent);
    const error = await middleware(trusting?.fetch)
      .ready()
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: 'OAUTH_PROVIDER_UNAVAILABLE' });
    expect((error as OAuthError).message).toMatch(
      /^the provider's TLS certificate was refused \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\) while discovering the provider metadata/,
    );
  });
});
