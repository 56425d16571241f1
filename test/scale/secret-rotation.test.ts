/**
 * Rotating the `secret` across instances that share one Redis (docs/production.md): an instance
 * given `[next, previous]` opens what `previous` sealed (a login in progress, a session's tokens)
 * and seals with `next`; once `previous` is dropped, what only it sealed proves nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TEST_SECRET } from '../helpers/app.js';
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

const PUBLIC_URL = 'http://localhost:8080';
const PREFIX = 'rotation:';
const NEXT = 'the-next-secret-of-at-least-32-characters';

describe.skipIf(!hasRedis)('secret rotation across instances', () => {
  let redis: RedisServer;
  let op: TestProvider;
  let previous: RedisTestApp;
  let both: RedisTestApp;
  let onlyNext: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    op = await startTestProvider({ redirectUris: [`${PUBLIC_URL}/callback`] });
    const instance = (secret: string | string[]): Promise<RedisTestApp> =>
      startRedisApp({
        redisUrl: redis.url,
        prefix: PREFIX,
        oauth: () => ({
          issuer: op.issuer,
          clientId: TEST_CLIENT.client_id,
          clientSecret: TEST_CLIENT.client_secret,
          baseURL: PUBLIC_URL,
          secret,
        }),
      });
    previous = await instance(TEST_SECRET);
    both = await instance([NEXT, TEST_SECRET]);
    onlyNext = await instance(NEXT);
  });

  afterAll(async () => {
    await previous?.close();
    await both?.close();
    await onlyNext?.close();
    await op?.close();
    await redis?.stop();
  });

  async function logIn(browser: LoadBalancedBrowser, start: RedisTestApp, end: RedisTestApp) {
    const login = await browser.get(start, '/login');
    expect(login.status).toBe(303);
    const callback = await completeLogin(login.headers.location as string);
    return browser.get(end, pathOf(callback));
  }

  it('completes on [next, previous] a login started on [previous], and keeps the tokens readable', async () => {
    const browser = new LoadBalancedBrowser();
    expect((await logIn(browser, previous, both)).status).toBe(303);
    // Sealed with next by now: the old instance can no longer read them, the new ones can.
    expect((await browser.get(both, '/access-token')).status).toBe(200);
    expect((await browser.get(onlyNext, '/access-token')).status).toBe(200);
    expect((await browser.get(previous, '/access-token')).status).toBe(401);
  });

  it('reads on [next, previous] the tokens a [previous] instance sealed', async () => {
    const browser = new LoadBalancedBrowser();
    expect((await logIn(browser, previous, previous)).status).toBe(303);
    expect((await browser.get(both, '/me')).status).toBe(200);
    expect((await browser.get(both, '/access-token')).status).toBe(200);
  });

  it('signs out, without an error, a session sealed only with a retired secret', async () => {
    const browser = new LoadBalancedBrowser();
    expect((await logIn(browser, previous, previous)).status).toBe(303);
    const sid = sessionIdOf(browser.cookie('connect.sid'));
    expect(sid).toBeDefined();
    expect((await browser.get(onlyNext, '/')).body).toEqual({ signedIn: false, user: null });
    expect((await browser.get(onlyNext, '/me')).status).toBe(401);
    expect((await browser.get(onlyNext, '/access-token')).status).toBe(401);
  });

  it('refuses at [next] the callback of a login started at [previous]', async () => {
    const browser = new LoadBalancedBrowser();
    const response = await logIn(browser, previous, onlyNext);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('OAUTH_STATE_MISMATCH');
  });
});
