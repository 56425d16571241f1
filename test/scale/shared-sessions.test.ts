/**
 * Two app instances behind one load balancer, sharing their sessions in one Redis through
 * connect-redis: whichever instance a request lands on, the user is the same.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

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

const hasRedis = await requireRedis();

/** The load balancer's public URL: the one baseURL of both instances. Nothing listens there. */
const PUBLIC_URL = 'http://localhost:8080';
const PREFIX = 'sess:';

/** Moves Date (only Date) forward, for the instances and the provider alike. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

describe.skipIf(!hasRedis)('two instances sharing sessions in one Redis', () => {
  let redis: RedisServer;
  let op: TestProvider;
  let a: RedisTestApp;
  let b: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    op = await startTestProvider({
      accessTokenTTL: 120,
      redirectUris: [`${PUBLIC_URL}/callback`],
      postLogoutRedirectUris: [`${PUBLIC_URL}/`],
    });
    const instance = (): Promise<RedisTestApp> =>
      startRedisApp({
        redisUrl: redis.url,
        prefix: PREFIX,
        oauth: () => ({
          issuer: op.issuer,
          clientId: TEST_CLIENT.client_id,
          clientSecret: TEST_CLIENT.client_secret,
          baseURL: PUBLIC_URL,
        }),
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
    await op?.close();
    await redis?.stop();
  });

  /** Starts the login on A, and lets the provider's redirect land on B. */
  async function logInAcross(browser: LoadBalancedBrowser, account: string): Promise<void> {
    const login = await browser.get(a, '/login');
    expect(login.status).toBe(303);
    const callback = await completeLogin(login.headers.location as string, { account });
    expect(callback.href.startsWith(`${PUBLIC_URL}/callback?`)).toBe(true);
    const landed = await browser.get(b, pathOf(callback));
    expect(landed.status).toBe(303);
    expect(landed.headers.location).toBe('/');
  }

  it('signs in when the login starts on A and the callback lands on B', async () => {
    const browser = new LoadBalancedBrowser();
    await logInAcross(browser, 'alice');
    const onA = await browser.get(a, '/me');
    const onB = await browser.get(b, '/me');
    expect(onA.status).toBe(200);
    expect(onB.status).toBe(200);
    expect(onA.body).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
    expect(onB.body).toEqual(onA.body);
  });

  it('changes the session id at login, in Redis too', async () => {
    const browser = new LoadBalancedBrowser();
    // A session the application made before the login (logins themselves write none).
    await browser.get(a, '/remember');
    const before = sessionIdOf(browser.cookie('connect.sid'))!;
    const stored = await a.sessions.client.get(`${PREFIX}${before}`);
    const login = await browser.get(a, '/login');
    // The pending login is a cookie: the session in Redis is as the application left it.
    expect(await a.sessions.client.get(`${PREFIX}${before}`)).toBe(stored);
    expect(JSON.parse(stored!).oauth).toBeUndefined();

    const callback = await completeLogin(login.headers.location as string, { account: 'bob' });
    expect((await browser.get(b, pathOf(callback))).status).toBe(303);
    const after = sessionIdOf(browser.cookie('connect.sid'))!;

    expect(after).not.toBe(before);
    // The id planted before login is worthless: its key is gone from Redis, on every instance.
    expect(await b.sessions.client.exists(`${PREFIX}${before}`)).toBe(0);
    const signedIn = JSON.parse((await b.sessions.client.get(`${PREFIX}${after}`))!);
    expect(signedIn.oauth.user.sub).toBe('bob');
    expect((await browser.get(a, '/session')).body.id).toBe(after);
  });

  it('ends the session on both instances when the user logs out on B', async () => {
    const browser = new LoadBalancedBrowser();
    await logInAcross(browser, 'alice');
    const sid = sessionIdOf(browser.cookie('connect.sid'))!;
    expect((await browser.get(a, '/me')).status).toBe(200);

    const logout = await browser.post(b, '/logout', { Origin: PUBLIC_URL });
    expect(logout.status).toBe(303);
    expect(logout.headers.location).toMatch(new RegExp(`^${op.issuer}/`));

    // The browser still sends its old cookie: the session behind it is gone from Redis.
    expect(await a.sessions.client.exists(`${PREFIX}${sid}`)).toBe(0);
    const onA = await browser.get(a, '/me');
    expect(onA.status).toBe(401);
    expect(onA.body.code).toBe('OAUTH_LOGIN_REQUIRED');
    expect((await browser.get(b, '/me')).status).toBe(401);
  });

  it('uses on A the tokens B refreshed, without refreshing them again', async () => {
    const browser = new LoadBalancedBrowser();
    await logInAcross(browser, 'bob');
    const original = (await browser.get(a, '/access-token')).body.fingerprint as string;
    op.resetCounts();

    advanceClock(5 * 60);
    const onB = await browser.get(b, '/access-token');
    expect(onB.status).toBe(200);
    expect(onB.body.fingerprint).not.toBe(original);
    expect(op.count('/token')).toBe(1);

    // B saved the new access token and the rotated refresh token in Redis; A reads them there.
    const onA = await browser.get(a, '/access-token');
    expect(onA.status).toBe(200);
    expect(onA.body.fingerprint).toBe(onB.body.fingerprint);
    expect(op.count('/token')).toBe(1);
  });

  it('refreshes once when A and B need a refresh at the same moment', async () => {
    const browser = new LoadBalancedBrowser();
    await logInAcross(browser, 'alice');
    op.resetCounts();

    advanceClock(5 * 60);
    // Without a lock shared by the instances, both would spend the rotated refresh token, and the
    // provider would refuse the second use (and revoke the grant): the user would be signed out.
    const [onA, onB] = await Promise.all([
      browser.get(a, '/access-token'),
      browser.get(b, '/access-token'),
    ]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect(onA.body.fingerprint).toBe(onB.body.fingerprint);
    expect(op.count('/token')).toBe(1);

    // The tokens saved are the rotated ones: the next refresh works too.
    advanceClock(10 * 60);
    expect((await browser.get(b, '/access-token')).status).toBe(200);
    expect(op.count('/token')).toBe(2);
  });
});
