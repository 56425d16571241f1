// Certificate-bound access tokens (RFC 8705 §3): an app that terminates TLS itself accepts a
// token whose cnf.x5t#S256 is the thumbprint of the client certificate on this connection, and
// refuses it over a connection with another certificate. The certificates are made with
// Debian's openssl (test/helpers/certificates.ts).
import { request as httpsRequest, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import { AUDIENCE, signAccessToken } from './harness.js';
import { makeTestCertificates } from '../helpers/certificates.js';
import type { TestCertificate, TestCertificates } from '../helpers/certificates.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { TEST_SECRET } from '../helpers/app.js';

let certs: TestCertificates;
const client = (name: string): TestCertificate => certs.clients[name] as TestCertificate;

let provider: ScriptedProvider;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  certs = makeTestCertificates(['alice', 'mallory']);
  provider = await startScriptedProvider();
  const app = express();
  app.use(session({ secret: 'mtls-test-secret', resave: false, saveUninitialized: false }));
  const server = createServer(
    {
      key: certs.server.key,
      cert: certs.server.cert,
      ca: certs.ca,
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
  await close();
  await provider.close();
});

function call(
  name: string,
  token: string,
): Promise<{ status: number; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${url}/api/data`,
      {
        ca: certs.ca,
        key: client(name).key,
        cert: client(name).cert,
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

describe('certificate-bound access tokens', () => {
  it('accepts the token over a connection with the certificate it is bound to', async () => {
    const token = await signAccessToken(provider, {
      cnf: { 'x5t#S256': client('alice').thumbprint },
    });
    expect((await call('alice', token)).status).toBe(200);
  });

  it('refuses it over a connection with another certificate', async () => {
    const token = await signAccessToken(provider, {
      cnf: { 'x5t#S256': client('alice').thumbprint },
    });
    const refused = await call('mallory', token);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/error="invalid_token"/);
  });
});
