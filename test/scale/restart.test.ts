/**
 * With sessions in Redis, an app instance can be stopped and a new one started (a deploy, a
 * crash, a scale-down) without signing anyone out: the sessions, tokens included, are in Redis,
 * and the cookie is signed with the same fixed secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { pathOf } from '../helpers/login.js';
import {
  completeLogin,
  startTestProvider,
  TEST_ACCOUNTS,
  TEST_CLIENT,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { LoadBalancedBrowser, requireRedis, startRedis, startRedisApp } from '../helpers/redis.js';
import type { RedisServer, RedisTestApp } from '../helpers/redis.js';

const hasRedis = await requireRedis();

/** The app's public URL, the same for every instance. Nothing listens there. */
const PUBLIC_URL = 'http://localhost:8080';
const PREFIX = 'app-sessions:';
const USERS = ['alice', 'bob', 'carol'];

/** Moves Date (only Date) forward, for the instances and the provider alike. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

describe.skipIf(!hasRedis)('restarting an instance whose sessions are in Redis', () => {
  let redis: RedisServer;
  let op: TestProvider;
  let instance: RedisTestApp | undefined;

  beforeAll(async () => {
    redis = (await startRedis())!;
    op = await startTestProvider({
      accessTokenTTL: 120,
      accounts: { ...TEST_ACCOUNTS, carol: { name: 'Carol Example', email: 'carol@example.com' } },
      redirectUris: [`${PUBLIC_URL}/callback`],
    });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await instance?.close();
    instance = undefined;
  });

  afterAll(async () => {
    await op?.close();
    await redis?.stop();
  });

  /** A new instance: a new process would have the same configuration and a new port. */
  function startInstance(): Promise<RedisTestApp> {
    return startRedisApp({
      redisUrl: redis.url,
      prefix: PREFIX,
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        baseURL: PUBLIC_URL,
      }),
    });
  }

  async function logIn(app: RedisTestApp, account: string): Promise<LoadBalancedBrowser> {
    const browser = new LoadBalancedBrowser();
    const login = await browser.get(app, '/login');
    const callback = await completeLogin(login.headers.location as string, { account });
    expect((await browser.get(app, pathOf(callback))).status).toBe(303);
    return browser;
  }

  /** Stops the instance the way a process exit does: no server, no Redis connection. */
  async function stopInstance(app: RedisTestApp): Promise<void> {
    await app.close();
    instance = undefined;
    expect(app.server.listening).toBe(false);
    expect(app.sessions.client.isOpen).toBe(false);
  }

  it('keeps every signed-in user signed in, with usable tokens', async () => {
    const first = (instance = await startInstance());
    const browsers = new Map<string, LoadBalancedBrowser>();
    const fingerprints = new Map<string, string>();
    for (const user of USERS) {
      const browser = await logIn(first, user);
      browsers.set(user, browser);
      const token = await browser.get(first, '/access-token');
      fingerprints.set(user, token.body.fingerprint as string);
    }
    await stopInstance(first);

    const second = (instance = await startInstance());
    expect(second.url).not.toBe(first.url);
    op.resetCounts();
    for (const [user, browser] of browsers) {
      const me = await browser.get(second, '/me');
      expect(me.status).toBe(200);
      expect(me.body.sub).toBe(user);
      const token = await browser.get(second, '/access-token');
      expect(token.status).toBe(200);
      // The very token issued before the restart: nothing was refreshed or asked again.
      expect(token.body.fingerprint).toBe(fingerprints.get(user));
    }
    expect(op.count('/token')).toBe(0);
    expect(op.count('/auth')).toBe(0);
  });

  it('completes a login that was at the provider during the restart', async () => {
    const first = (instance = await startInstance());
    const browser = new LoadBalancedBrowser();
    const login = await browser.get(first, '/login?returnTo=/me');
    await stopInstance(first);

    const callback = await completeLogin(login.headers.location as string, { account: 'bob' });
    const second = (instance = await startInstance());
    const landed = await browser.get(second, pathOf(callback));
    expect(landed.status).toBe(303);
    expect(landed.headers.location).toBe('/me');
    expect((await browser.get(second, '/me')).body.sub).toBe('bob');
  });

  it('refreshes a token that expired while no instance was running', async () => {
    const first = (instance = await startInstance());
    const browser = await logIn(first, 'alice');
    const before = (await browser.get(first, '/access-token')).body.fingerprint as string;
    await stopInstance(first);

    advanceClock(5 * 60);
    const second = (instance = await startInstance());
    op.resetCounts();
    const token = await browser.get(second, '/access-token');
    expect(token.status).toBe(200);
    expect(token.body.fingerprint).not.toBe(before);
    expect(op.count('/token')).toBe(1);
    expect((await browser.get(second, '/me')).body.sub).toBe('alice');
  });
});
