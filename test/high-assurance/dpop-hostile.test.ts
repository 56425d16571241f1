// DPoP (RFC 9449) sign-in sessions against a provider and an API that misbehave: a token response
// that is not DPoP-bound, or bound to another key, is refused at login (no session) and at refresh
// (the session ends); a DPoP-Nonce challenge is answered once, and a second one is a clean
// OAUTH_DPOP_NONCE_LOOP at the token endpoint, userinfo and an API alike; getAccessToken() on a
// bound token says to use req.oauth.fetch().
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import type { JWK } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { TokenScript } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  epoch,
  expectRefusal,
  expectRefused,
  expectSignedOut,
  HOSTILE_TIMEOUT,
  oauthFor,
  signIn,
  storedSession,
} from '../security/hostile-harness.js';
import type { Agent, Hostile } from '../security/hostile-harness.js';

let h: Hostile;
let api: Server;
let apiUrl: string;
/** The API's answers, in order; an empty list answers 200. */
let apiScript: { status: number; headers: Record<string, string> }[] = [];
const apiSeen: IncomingHttpHeaders[] = [];

const handler =
  (fn: (...args: Parameters<RequestHandler>) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

beforeAll(async () => {
  api = createServer((req, res) => {
    apiSeen.push(req.headers);
    const next = apiScript.shift();
    if (next !== undefined) {
      res.writeHead(next.status, next.headers).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const provider = await startScriptedProvider();
  const app = await startTestApp({
    oauth: oauthFor(provider, { dpop: true, ...HOSTILE_TIMEOUT }),
    routes: (express) => {
      express.get(
        '/call-api',
        handler(async (req, res) => {
          const answer = await req.oauth.fetch(`${apiUrl}/v1/orders?page=2`, { method: 'GET' });
          res.status(answer.status).json({ status: answer.status });
        }),
      );
    },
  });
  h = {
    provider,
    app,
    async close() {
      await app.close();
      await provider.close();
    },
  };
  await signIn(h);
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => api.close(resolve));
});
beforeEach(() => {
  h.provider.reset();
  apiScript = [];
  apiSeen.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

/** Moves Date (only Date) forward, past the refresh back-off; timers and I/O keep running. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

interface StoredKey {
  alg: string;
  jwk: JWK;
}

async function thumbprint(jwk: JWK): Promise<string> {
  const { kty, crv, x, y } = jwk;
  return calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
}

/** A JWT access token (RFC 9068) bound to the key with this thumbprint (RFC 9449 §6.1). */
function boundAccessToken(jkt: string): Promise<string> {
  const now = epoch();
  return h.provider.sign({
    iss: h.provider.issuer,
    sub: h.provider.subject,
    aud: 'https://api.example.test',
    client_id: h.provider.clientId,
    iat: now,
    exp: now + 3600,
    jti: `at-${now}-${Math.random()}`,
    cnf: { jkt },
  });
}

/** A signed-in browser whose access token has expired, with a refresh token. */
async function dueForRefresh(): Promise<Agent> {
  h.provider.script.token = { set: { expires_in: 0 } };
  const agent = await signIn(h);
  h.provider.script.token = undefined;
  return agent;
}

const NONCE_AGAIN: TokenScript = {
  status: 400,
  headers: { 'dpop-nonce': 'nonce-from-the-provider' },
  body: { error: 'use_dpop_nonce', error_description: 'use the nonce in DPoP-Nonce' },
};

describe('a token response at login', () => {
  it('is DPoP-bound when honest: the code exchange carries a proof and the session holds the key', async () => {
    const agent = await signIn(h);
    const proof = h.provider.last('/token')?.headers.dpop;
    expect(typeof proof).toBe('string');
    const header = decodeProtectedHeader(proof as string);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC' } });
    expect(decodeJwt(proof as string)).toMatchObject({
      htm: 'POST',
      htu: h.provider.url('/token'),
    });
    const tokens = (await storedSession(agent)).oauth?.tokens;
    expect(tokens?.tokenType).toBe('dpop');
    const key = tokens?.dpopKey as StoredKey;
    expect(await thumbprint(key.jwk)).toBe(await thumbprint(header.jwk as JWK));
  });

  it('is refused when not DPoP-bound (token_type Bearer): no session, its tokens revoked', async () => {
    const revocations = h.provider.count('/revoke');
    await expectRefused(
      h,
      { status: 502, code: 'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED' },
      {
        arrange: () => {
          h.provider.script.token = { set: { token_type: 'Bearer' } };
        },
      },
    );
    // Both attacks (fresh browser, signed-in browser): refresh and access token revoked each time.
    expect(h.provider.count('/revoke') - revocations).toBe(4);
  });

  it('is refused when its JWT access token is bound to another key', async () => {
    const other = await thumbprint({
      kty: 'EC',
      crv: 'P-256',
      x: 'WbbXwVYGdJoP4Xm3qCkGvBRcRvKtEfXDbWvPzpPS8LA',
      y: 'sP4jHHxYe72mY8g1jm2xt6EUoWBq7s0ONkkDrf4vtkY',
    });
    const accessToken = await boundAccessToken(other);
    await expectRefused(
      h,
      { status: 502, code: 'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED' },
      {
        arrange: () => {
          h.provider.script.token = { set: { access_token: accessToken } };
        },
      },
    );
  });

  it('answers use_dpop_nonce once, and a second one is a clean OAUTH_DPOP_NONCE_LOOP', async () => {
    const calls: number[] = [];
    await expectRefused(
      h,
      { status: 502, code: 'OAUTH_DPOP_NONCE_LOOP' },
      {
        arrange: () => {
          h.provider.script.token = NONCE_AGAIN;
        },
        attack: async (agent) => {
          const before = h.provider.count('/token');
          const response = await attemptLogin(h, agent);
          calls.push(h.provider.count('/token') - before);
          return response;
        },
      },
    );
    // One request, one retry with the nonce, no third: in the fresh browser and the signed-in one.
    expect(calls).toEqual([2, 2]);
    // The last attack's retry, just before the honest login that ends expectRefused().
    const retried = h.provider.requests.filter((r) => r.path === '/token').at(-2)?.headers.dpop;
    expect(decodeJwt(retried as string).nonce).toBe('nonce-from-the-provider');
  });
});

describe('a refresh', () => {
  it('keeps the key and accepts a JWT access token bound to it', async () => {
    const agent = await dueForRefresh();
    const before = (await storedSession(agent)).oauth?.tokens;
    const key = before?.dpopKey as StoredKey;
    const accessToken = await boundAccessToken(await thumbprint(key.jwk));
    h.provider.script.refresh = { set: { access_token: accessToken } };
    await agent.get('/call-api').expect(200);
    const after = (await storedSession(agent)).oauth?.tokens;
    expect(after?.accessToken).toBe(accessToken);
    expect(apiSeen[0]?.authorization).toBe(`DPoP ${accessToken}`);
    expect(after?.dpopKey).toEqual(before?.dpopKey);
    const proof = h.provider.last('/token')?.headers.dpop as string;
    expect(await thumbprint(decodeProtectedHeader(proof).jwk as JWK)).toBe(
      await thumbprint(key.jwk),
    );
  });

  it.each([
    ['bound to another key', 'other-key'],
    ['not DPoP-bound', 'bearer'],
  ])('ends the session when the refreshed token is %s', async (_name, kind) => {
    const agent = await dueForRefresh();
    h.provider.script.refresh =
      kind === 'bearer'
        ? { set: { token_type: 'Bearer' } }
        : { set: { access_token: await boundAccessToken('another-thumbprint') } };
    const refreshes = h.provider.count('/token');
    expectRefusal(await agent.get('/userinfo'), {
      status: 502,
      code: 'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED',
    });
    expect(h.provider.count('/token')).toBe(refreshes + 1);
    h.provider.script.refresh = undefined;
    await expectSignedOut(agent);
    expect((await storedSession(agent)).oauth?.tokens).toBeUndefined();
    expectRefusal(await agent.get('/userinfo'), { status: 401, code: 'OAUTH_LOGIN_REQUIRED' });
  });

  it('keeps the session after a DPoP-Nonce loop, and refreshes once the provider behaves', async () => {
    const agent = await dueForRefresh();
    const before = await storedSession(agent);
    h.provider.script.refresh = NONCE_AGAIN;
    const refreshes = h.provider.count('/token');
    expectRefusal(await agent.get('/userinfo'), { status: 502, code: 'OAUTH_DPOP_NONCE_LOOP' });
    expect(h.provider.count('/token')).toBe(refreshes + 2);
    h.provider.script.refresh = undefined;
    const after = await storedSession(agent);
    expect(after.oauth?.tokens).toEqual(before.oauth?.tokens);
    advanceClock(5);
    await agent.get('/userinfo').expect(200);
    expect(h.provider.count('/token')).toBe(refreshes + 3);
  });
});

describe('userinfo', () => {
  it('is called with the DPoP scheme and a proof, and a DPoP-Nonce loop is a clean error', async () => {
    const agent = await signIn(h);
    await agent.get('/userinfo').expect(200);
    const honest = h.provider.last('/userinfo');
    expect(honest?.headers.authorization).toMatch(/^DPoP /);
    expect(decodeJwt(honest?.headers.dpop as string)).toMatchObject({
      htm: 'GET',
      ath: expect.any(String),
    });
    h.provider.script.userinfo = {
      status: 401,
      headers: {
        'www-authenticate': 'DPoP error="use_dpop_nonce"',
        'dpop-nonce': 'nonce-from-userinfo',
      },
      body: { error: 'use_dpop_nonce' },
    };
    const calls = h.provider.count('/userinfo');
    expectRefusal(await agent.get('/userinfo'), { status: 502, code: 'OAUTH_DPOP_NONCE_LOOP' });
    expect(h.provider.count('/userinfo')).toBe(calls + 2);
    h.provider.script.userinfo = undefined;
    await agent.get('/me').expect(200);
  });
});

describe('req.oauth.fetch() and getAccessToken()', () => {
  it('sends the token as DPoP with a proof for this method and URL, carrying ath', async () => {
    const agent = await signIn(h);
    await agent.get('/call-api').expect(200);
    const { accessToken, dpopKey } = (await storedSession(agent)).oauth!.tokens!;
    const [seen] = apiSeen;
    expect(seen?.authorization).toBe(`DPoP ${accessToken}`);
    const proof = seen?.dpop as string;
    expect(decodeJwt(proof)).toMatchObject({
      htm: 'GET',
      htu: `${apiUrl}/v1/orders`,
      ath: createHash('sha256').update(accessToken).digest('base64url'),
    });
    expect(await thumbprint(decodeProtectedHeader(proof).jwk as JWK)).toBe(
      await thumbprint((dpopKey as StoredKey).jwk),
    );
  });

  it('answers an API use_dpop_nonce once, with the nonce, then a clean OAUTH_DPOP_NONCE_LOOP', async () => {
    const agent = await signIn(h);
    const challenge = {
      status: 401,
      headers: {
        'www-authenticate': 'DPoP error="use_dpop_nonce"',
        'dpop-nonce': 'nonce-from-the-api',
      },
    };
    apiScript = [challenge, challenge, challenge];
    expectRefusal(await agent.get('/call-api'), { status: 502, code: 'OAUTH_DPOP_NONCE_LOOP' });
    expect(apiSeen).toHaveLength(2);
    expect(decodeJwt(apiSeen[1]?.dpop as string).nonce).toBe('nonce-from-the-api');
    // One challenge only: the retry carries the nonce and is answered.
    apiScript = [challenge];
    apiSeen.length = 0;
    await agent.get('/call-api').expect(200);
    expect(apiSeen).toHaveLength(2);
  });

  it('renews the token once when the API answers invalid_token, and proves the new one', async () => {
    const agent = await signIn(h);
    apiScript = [{ status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"' } }];
    const refreshes = h.provider.count('/token');
    await agent.get('/call-api').expect(200);
    expect(h.provider.count('/token')).toBe(refreshes + 1);
    const { accessToken } = (await storedSession(agent)).oauth!.tokens!;
    expect(apiSeen[1]?.authorization).toBe(`DPoP ${accessToken}`);
    expect(decodeJwt(apiSeen[1]?.dpop as string).ath).toBe(
      createHash('sha256').update(accessToken).digest('base64url'),
    );
  });

  it('getAccessToken() refuses a DPoP-bound token with OAUTH_DPOP_PROOF_REQUIRED, naming req.oauth.fetch()', async () => {
    const agent = await signIn(h);
    const refused = await agent.get('/access-token');
    expectRefusal(refused, { status: 500, code: 'OAUTH_DPOP_PROOF_REQUIRED' });
    expect(refused.body.message).toContain('req.oauth.fetch()');
  });
});
