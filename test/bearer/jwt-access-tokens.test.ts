// requireBearer() with RFC 9068 JWT access tokens from the package's scripted provider: honest
// tokens are accepted and set req.oauthUser; each forged one is refused with a clean 401 (or 403)
// and its challenge.
import http from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, expectRefused, signAccessToken, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

describe('requireBearer() with JWT access tokens', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp({ scopes: 'orders:read' });
  });
  afterAll(() => s.close());
  beforeEach(() => s.provider.reset());

  const call = (token: string) =>
    request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`);

  it('accepts an honest token and sets req.oauthUser from its claims', async () => {
    const response = await call(await signAccessToken(s.provider)).expect(200);
    expect(response.body.user).toMatchObject({
      sub: 'alice',
      provider: 'default',
      claims: { client_id: 'mobile-app', scope: 'orders:read profile', aud: AUDIENCE },
    });
  });

  it('accepts the "Bearer" scheme in any case', async () => {
    const token = await signAccessToken(s.provider);
    await request(s.app.url).get('/api/data').set('Authorization', `bEaReR ${token}`).expect(200);
  });

  it('answers 401 with a bare challenge when no token is sent', async () => {
    const response = await request(s.app.url).get('/api/data').set('Accept', 'application/json');
    expectRefused(response, { status: 401, code: 'OAUTH_LOGIN_REQUIRED' });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer(, |$)/);
    expect(response.headers['www-authenticate']).not.toMatch(/error=/);
  });

  const forged: [string, () => Promise<string>][] = [
    [
      'a token signed by a key the provider never published',
      () => signAccessToken(s.provider, {}, { key: 'foreign' }),
    ],
    ['an unsigned token (alg none)', () => signAccessToken(s.provider, {}, { key: 'none' })],
    [
      'an HS256 token keyed with the client secret, without a kid',
      () => signAccessToken(s.provider, {}, { key: 'hs256' }),
    ],
    [
      "an HS256 token keyed with the provider's public key as PEM, under its kid (algorithm confusion)",
      () => signAccessToken(s.provider, {}, { key: 'hs256-public-pem' }),
    ],
    [
      "an HS256 token keyed with the provider's public key as its JWK JSON, under its kid (algorithm confusion)",
      () => signAccessToken(s.provider, {}, { key: 'hs256-public-jwk' }),
    ],
    [
      'a token for another API (aud)',
      () => signAccessToken(s.provider, { aud: 'https://other-api.example.test' }),
    ],
    [
      'a token from another issuer',
      () => signAccessToken(s.provider, { iss: 'https://evil.example.test' }),
    ],
    [
      'an expired token',
      () => signAccessToken(s.provider, { exp: Math.floor(Date.now() / 1000) - 120 }),
    ],
    [
      'a token not valid yet (nbf)',
      () => signAccessToken(s.provider, { nbf: Math.floor(Date.now() / 1000) + 600 }),
    ],
    [
      'an ID token (typ JWT, not at+jwt)',
      () => signAccessToken(s.provider, {}, { header: { typ: 'JWT' } }),
    ],
    ['a token without typ', () => signAccessToken(s.provider, {}, { header: { typ: undefined } })],
    ['a token without client_id', () => signAccessToken(s.provider, { client_id: undefined })],
    [
      'a token naming an unknown kid',
      () => signAccessToken(s.provider, {}, { header: { kid: 'no-such-key' } }),
    ],
  ];
  for (const [name, make] of forged) {
    it(`refuses ${name} with invalid_token`, async () => {
      const response = await call(await make());
      expectRefused(response, {
        status: 401,
        code: 'OAUTH_INVALID_TOKEN',
        challenge: /^Bearer error="invalid_token", error_description="[^"]*"/,
      });
    });
  }

  it('accepts a token of the provider within the clock tolerance of its expiry', async () => {
    const token = await signAccessToken(s.provider, { exp: Math.floor(Date.now() / 1000) - 10 });
    await call(token).expect(200);
  });

  it('refuses a token without the required scope with 403 insufficient_scope naming it', async () => {
    const response = await call(await signAccessToken(s.provider, { scope: 'profile' }));
    expectRefused(response, {
      status: 403,
      code: 'OAUTH_INSUFFICIENT_SCOPE',
      challenge: /^Bearer error="insufficient_scope", .*scope="orders:read"/,
    });
  });

  it('refuses a token in the query string with invalid_request, even with a valid header', async () => {
    const token = await signAccessToken(s.provider);
    const response = await request(s.app.url)
      .get(`/api/data?access_token=${token}`)
      .set('Authorization', `Bearer ${token}`);
    expectRefused(response, {
      status: 400,
      code: 'OAUTH_INVALID_REQUEST',
      challenge: /^Bearer error="invalid_request"/,
    });
  });

  it('refuses a token in a form body with invalid_request', async () => {
    const token = await signAccessToken(s.provider);
    const response = await request(s.app.url)
      .post('/api/data')
      .type('form')
      .send({ access_token: token });
    expectRefused(response, { status: 400, code: 'OAUTH_INVALID_REQUEST' });
  });

  it('refuses two Authorization headers with invalid_request', async () => {
    const token = await signAccessToken(s.provider);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${s.app.url}/api/data`, {
        headers: { accept: 'application/json' },
      });
      req.setHeader('Authorization', [`Bearer ${token}`, `Bearer ${token}`]);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });

  it('sends at most one JWKS request for a flood of tokens naming unknown kids', async () => {
    await call(await signAccessToken(s.provider)).expect(200);
    const before = s.provider.count('/jwks');
    for (let i = 0; i < 20; i += 1) {
      const token = await signAccessToken(s.provider, {}, { header: { kid: `unknown-${i}` } });
      expect((await call(token)).status).toBe(401);
    }
    expect(s.provider.count('/jwks') - before).toBeLessThanOrEqual(1);
  });
});

describe('requireBearer() and key rotation', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp();
  });
  afterAll(async () => {
    vi.useRealTimers();
    await s.close();
  });

  const call = (token: string) =>
    request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`);

  it('follows a rotation once the unknown-kid cooldown since the last fetch is over', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await call(await signAccessToken(s.provider)).expect(200);
    await s.provider.rotateKeys();
    const before = s.provider.count('/jwks');
    // Just fetched: a stranger's unknown kid cannot make the key set be fetched again yet.
    expect((await call(await signAccessToken(s.provider))).status).toBe(401);
    expect(s.provider.count('/jwks')).toBe(before);
    vi.setSystemTime(Date.now() + 31_000);
    await call(await signAccessToken(s.provider)).expect(200);
    expect(s.provider.count('/jwks')).toBe(before + 1);
    vi.useRealTimers();
  });
});
