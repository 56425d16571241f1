// Client authentication without a shared secret: private_key_jwt (RFC 7523) with keys the app
// publishes at its own JWKS route for the provider to fetch, and client_secret_jwt; against
// oidc-provider, which verifies the client assertions for real.
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { CookieJar, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { TEST_SECRET } from '../helpers/app.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

const rsa = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;

let op: TestProvider;
let jwtApp: TestApp;
let secretJwtApp: TestApp;
const newest = rsa();
const older = rsa();

beforeAll(async () => {
  op = await startTestProvider();
  const ecKey = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  jwtApp = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: 'jwt-client',
      clientPrivateKey: [
        { key: newest, alg: 'PS256', kid: 'newest' },
        { key: older, alg: 'PS256', kid: 'older' },
        { ...ecKey, alg: 'ES256' },
      ],
    }),
  });
  secretJwtApp = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: 'secret-jwt-client',
      clientSecret: TEST_CLIENT.client_secret,
      tokenEndpointAuthMethod: 'client_secret_jwt',
    }),
  });
  await op.setClient({
    client_id: 'jwt-client',
    redirect_uris: [`${jwtApp.url}/callback`],
    post_logout_redirect_uris: [`${jwtApp.url}/`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'PS256',
    jwks_uri: `${jwtApp.url}/jwks.json`,
  });
  await op.setClient({
    client_id: 'secret-jwt-client',
    client_secret: TEST_CLIENT.client_secret,
    redirect_uris: [`${secretJwtApp.url}/callback`],
    post_logout_redirect_uris: [`${secretJwtApp.url}/`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_jwt',
  });
});

afterAll(async () => {
  await jwtApp.close();
  await secretJwtApp.close();
  await op.close();
});

describe('private_key_jwt', () => {
  it('signs in with a client assertion the provider verifies against the JWKS route', async () => {
    const agent = browser(jwtApp.url);
    const callback = await loginThroughProvider(agent, { jar: new CookieJar() });
    expect(callback.status, callback.text).toBe(303);
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    // The assertion also authenticates the refresh and the revocation at logout.
    await agent.post('/logout').set('Origin', jwtApp.url).expect(303);
    expect(jwtApp.logs.join('\n')).not.toContain('could not revoke');
  });

  it('publishes every key, newest first, without a single private parameter', async () => {
    const response = await request(jwtApp.url).get('/jwks.json').expect(200);
    expect(response.headers['content-type']).toMatch(/application\/jwk-set\+json/);
    const keys = JSON.parse(response.text).keys as Record<string, unknown>[];
    expect(keys.map((key) => key.kid)).toEqual(['newest', 'older', expect.any(String)]);
    expect(keys.map((key) => key.alg)).toEqual(['PS256', 'PS256', 'ES256']);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(key.use).toBe('sig');
    }
  });

  it('serves no JWKS route when no provider has a private key', async () => {
    await request(secretJwtApp.url).get('/jwks.json').expect(404);
  });
});

describe('client_secret_jwt', () => {
  it('signs in with a client assertion signed with the client secret', async () => {
    const agent = browser(secretJwtApp.url);
    const callback = await loginThroughProvider(agent, { jar: new CookieJar() });
    expect(callback.status, callback.text).toBe(303);
    await agent.get('/me').expect(200);
  });
});

describe('client keys are checked at creation', () => {
  const base = {
    issuer: 'https://op.example',
    clientId: 'c',
    baseURL: 'https://app.example',
    secret: TEST_SECRET,
  };

  it.each([
    [{ tokenEndpointAuthMethod: 'private_key_jwt' }, '"options.clientPrivateKey" is required'],
    [{ clientPrivateKey: 'not a key' }, '"options.clientPrivateKey" must be a private key'],
    [
      {
        clientPrivateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
      },
      'an RSA key of 2048 bits or more',
    ],
    [{ clientPrivateKey: { key: rsa(), alg: 'HS256' } }, '"options.clientPrivateKey.alg"'],
    [
      { clientPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey },
      'must be a private key',
    ],
    [{ requestObjects: true, clientSecret: 's' }, '"options.clientPrivateKey" is required'],
  ])('refuses %o', (extra, message) => {
    expect(() => oauthMiddleware({ ...base, ...extra } as never)).toThrow(message);
  });

  it('defaults to private_key_jwt when only a private key is given', async () => {
    expect(() => oauthMiddleware({ ...base, clientPrivateKey: rsa() })).not.toThrow();
  });
});
