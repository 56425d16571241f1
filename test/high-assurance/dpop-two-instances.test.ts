/**
 * DPoP (RFC 9449) behind a load balancer: two app instances share their sessions in one Redis,
 * and the sign-in's DPoP key travels with the session. The user signs in through A, and B calls a
 * DPoP-protected API (requireBearer() on a third server) with a proof made with the key A made;
 * after a refresh on A, B proves the refreshed tokens with the same key.
 */
import type { JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { pathOf } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import {
  LoadBalancedBrowser,
  requireRedis,
  sessionIdOf,
  startRedis,
  startRedisApp,
} from '../helpers/redis.js';
import type { RedisServer, RedisTestApp } from '../helpers/redis.js';
import { API, callApiRoute, PUBLIC_URL, startOrdersApi, thumbprint } from './dpop-api.js';

const hasRedis = await requireRedis();

const PREFIX = 'sess:';

/** Moves Date (only Date) forward, for the instances, the API and the provider alike. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

describe.skipIf(!hasRedis)('DPoP sessions shared by two instances in one Redis', () => {
  let redis: RedisServer;
  let op: TestProvider;
  let api: TestApp;
  let a: RedisTestApp;
  let b: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    op = await startTestProvider({
      accessTokenTTL: 120,
      redirectUris: [`${PUBLIC_URL}/callback`],
      resourceServers: { [API]: { scope: 'orders:read' } },
    });
    api = await startOrdersApi(op.issuer);
    const instance = (): Promise<RedisTestApp> =>
      startRedisApp({
        redisUrl: redis.url,
        prefix: PREFIX,
        oauth: () => ({
          issuer: op.issuer,
          clientId: TEST_CLIENT.client_id,
          clientSecret: TEST_CLIENT.client_secret,
          baseURL: PUBLIC_URL,
          scope: 'openid profile email orders:read',
          authorizationParams: { resource: API },
          dpop: true,
          timeout: 5_000,
        }),
        routes: callApiRoute(() => api),
      });
    a = await instance();
    b = await instance();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await api?.close();
    await op?.close();
    await redis?.stop();
  });

  /** Signs in through A; returns the session as Redis holds it. */
  async function signInOnA(browser: LoadBalancedBrowser) {
    const login = await browser.get(a, '/login');
    expect(login.status).toBe(303);
    const callback = await completeLogin(login.headers.location as string);
    const landed = await browser.get(a, pathOf(callback));
    expect(landed.status, landed.text).toBe(303);
    // The tokens and the key are sealed in the store: read them opened, through the app.
    const opened = (await browser.get(b, '/session')).body;
    const session = opened.oauth as { tokens: { tokenType: string; dpopKey: { jwk: JWK } } };
    const sid = sessionIdOf(browser.cookie('connect.sid'))!;
    const raw = (await b.sessions.client.get(`${PREFIX}${sid}`))!;
    expect(raw).not.toContain(session.tokens.dpopKey.jwk.d);
    return session;
  }

  it('signs in on A and calls the API through B, with the key A made', async () => {
    const browser = new LoadBalancedBrowser();
    const session = await signInOnA(browser);
    expect(session.tokens.tokenType).toBe('dpop');
    // The key is in the session store; the cookie holds the session id alone.
    expect(browser.cookie('connect.sid')).not.toContain(session.tokens.dpopKey.jwk.d);
    const jkt = await thumbprint(session.tokens.dpopKey.jwk);
    const onB = await browser.get(b, '/call-api');
    expect(onB.status, onB.text).toBe(200);
    expect(onB.body).toEqual({ sub: 'alice', cnf: { jkt } });
  });

  it('refreshes on A and proves the refreshed token on B with the same key', async () => {
    const browser = new LoadBalancedBrowser();
    const session = await signInOnA(browser);
    const jkt = await thumbprint(session.tokens.dpopKey.jwk);
    op.resetCounts();
    advanceClock(5 * 60);
    expect((await browser.get(a, '/userinfo')).status).toBe(200);
    expect(op.count('/token')).toBe(1);
    const onB = await browser.get(b, '/call-api');
    expect(onB.status, onB.text).toBe(200);
    expect(onB.body.cnf).toEqual({ jkt });
    // B obtained the API token with the refresh token A stored: one more exchange, no refusal.
    expect(op.count('/token')).toBe(2);
  });
});
