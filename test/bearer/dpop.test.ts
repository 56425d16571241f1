// requireBearer() with DPoP-bound tokens (RFC 9449): the proof must be made by the token's key,
// for this method and this URL (from baseURL, never the Host header), recently, once, and with the
// server's nonce when nonces are on.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisReplayStore } from '../../src/index.js';
import {
  createDpopKey,
  dpopProof,
  expectRefused,
  signAccessToken,
  startBearerApp,
} from './harness.js';
import type { BearerSetup, DpopKey, ProofOptions } from './harness.js';

const INVALID_PROOF =
  /^DPoP error="invalid_dpop_proof", error_description="[^"]*", algs="[^"]*ES256/;

describe('requireBearer() with DPoP-bound tokens', () => {
  let s: BearerSetup;
  let key: DpopKey;
  let token: string;
  beforeAll(async () => {
    s = await startBearerApp();
    key = await createDpopKey();
    token = await signAccessToken(s.provider, { cnf: { jkt: key.jkt } });
  });
  afterAll(() => s.close());

  const url = () => `${s.app.url}/api/data`;
  const call = async (proof: Partial<ProofOptions> = {}, signer: DpopKey = key) =>
    request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await dpopProof(signer, { url: url(), accessToken: token, ...proof }));

  it('accepts a bound token with a proof made by its key', async () => {
    const response = await call();
    expect(response.status, response.text).toBe(200);
    expect(response.body.user).toMatchObject({ sub: 'alice', claims: { cnf: { jkt: key.jkt } } });
  });

  it('accepts a proof whose htu carries a query string (RFC 9449 §4.3 compares without it)', async () => {
    const proof = await dpopProof(key, { url: `${url()}?page=1`, accessToken: token });
    await request(s.app.url)
      .get('/api/data?page=2')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', proof)
      .expect(200);
  });

  it('refuses a bound token sent with the Bearer scheme', async () => {
    const proof = await dpopProof(key, { url: url(), accessToken: token });
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('DPoP', proof);
    expectRefused(response, {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      challenge: /^Bearer error="invalid_token"/,
    });
  });

  it('refuses a bound token without a proof', async () => {
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${token}`);
    expectRefused(response, {
      status: 401,
      code: 'OAUTH_INVALID_DPOP_PROOF',
      challenge: INVALID_PROOF,
    });
  });

  const hostile: [string, () => Promise<request.Response>][] = [
    ['a proof made by another key', async () => call({}, await createDpopKey())],
    ['a proof for another URL', () => call({ url: `${s.app.url}/api/other` })],
    ['a proof for another method', () => call({ method: 'POST' })],
    ['a proof with a stale iat', () => call({ iat: Math.floor(Date.now() / 1000) - 300 })],
    ['a proof with an iat in the future', () => call({ iat: Math.floor(Date.now() / 1000) + 300 })],
    ['a proof for another access token (ath)', () => call({ accessToken: 'another-token' })],
    ['a proof with typ JWT', () => call({ typ: 'JWT' })],
  ];
  for (const [name, send] of hostile) {
    it(`refuses ${name}`, async () => {
      expectRefused(await send(), {
        status: 401,
        code: 'OAUTH_INVALID_DPOP_PROOF',
        challenge: INVALID_PROOF,
      });
    });
  }

  it('refuses a replayed proof', async () => {
    const proof = await dpopProof(key, { url: url(), accessToken: token });
    const send = () =>
      request(s.app.url).get('/api/data').set('Authorization', `DPoP ${token}`).set('DPoP', proof);
    await send().expect(200);
    expectRefused(await send(), {
      status: 401,
      code: 'OAUTH_INVALID_DPOP_PROOF',
      challenge: /^DPoP error="invalid_dpop_proof"/,
      message: /replay|used before/,
    });
  });

  it('builds htu from baseURL, never from the Host header', async () => {
    const forged = await dpopProof(key, {
      url: 'http://evil.example.test/api/data',
      accessToken: token,
    });
    const refused = await request(s.app.url)
      .get('/api/data')
      .set('Host', 'evil.example.test')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', forged);
    expectRefused(refused, { status: 401, code: 'OAUTH_INVALID_DPOP_PROOF' });
    const honest = await dpopProof(key, { url: url(), accessToken: token });
    await request(s.app.url)
      .get('/api/data')
      .set('Host', 'evil.example.test')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', honest)
      .expect(200);
  });

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const unbound = await signAccessToken(s.provider);
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${unbound}`)
      .set('DPoP', await dpopProof(key, { url: url(), accessToken: unbound }));
    expectRefused(response, {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      challenge: /^DPoP error="invalid_token"/,
    });
  });

  it('refuses a certificate-bound token on a connection without a client certificate', async () => {
    const bound = await signAccessToken(s.provider, { cnf: { 'x5t#S256': 'A'.repeat(43) } });
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `Bearer ${bound}`);
    expectRefused(response, { status: 401, code: 'OAUTH_INVALID_TOKEN' });
  });
});

describe('requireBearer() with dpop.required and dpop.nonce', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp({ dpop: { required: true, nonce: true } });
  });
  afterAll(() => s.close());

  it('refuses a bearer token with a DPoP challenge', async () => {
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `Bearer ${await signAccessToken(s.provider)}`);
    expectRefused(response, {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      challenge: /^DPoP error="invalid_token"/,
    });
  });

  it('answers use_dpop_nonce with a DPoP-Nonce, then accepts the proof that carries it', async () => {
    const key = await createDpopKey();
    const token = await signAccessToken(s.provider, { cnf: { jkt: key.jkt } });
    const url = `${s.app.url}/api/data`;
    const first = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await dpopProof(key, { url, accessToken: token }));
    expectRefused(first, {
      status: 401,
      code: 'OAUTH_USE_DPOP_NONCE',
      challenge: /^DPoP error="use_dpop_nonce"/,
    });
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[\w.-]+$/);
    const second = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await dpopProof(key, { url, accessToken: token, nonce }))
      .expect(200);
    expect(second.headers['dpop-nonce']).toBeDefined();
    const forgedNonce = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await dpopProof(key, { url, accessToken: token, nonce: `${nonce}x` }));
    expectRefused(forgedNonce, { status: 401, code: 'OAUTH_USE_DPOP_NONCE' });
  });
});

describe('createRedisReplayStore()', () => {
  it('records a jti with SET NX PX and refuses it the second time', async () => {
    const calls: unknown[][] = [];
    const stored = new Set<string>();
    const store = createRedisReplayStore({
      async set(key, value, options) {
        calls.push([key, value, options]);
        if (stored.has(key)) return null;
        stored.add(key);
        return 'OK';
      },
    });
    expect(await store.claim('jkt:jti', 60_500.2)).toBe(true);
    expect(await store.claim('jkt:jti', 60_500.2)).toBe(false);
    expect(calls[0]).toEqual(['oauth-dpop-jti:jkt:jti', '1', { NX: true, PX: 60_501 }]);
  });
});
