/**
 * A session store that stops answering (a Redis frozen with SIGSTOP): requests get a clean 503
 * OAUTH_STORE_UNAVAILABLE within the store timeout instead of hanging, no session is lost or
 * cleared, and everything works again once the store answers, without a restart. The middleware's
 * own store calls are bounded by `storeTimeout`; the read express-session makes before any
 * middleware runs only by boundSessionStore().
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { boundSessionStore, createRedisRefreshLock } from '../../src/index.js';
import { boundRefreshLock } from '../../src/session/store.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf } from '../helpers/login.js';
import { connectSessionStore, requireRedis, startRedis } from '../helpers/redis.js';
import type { RedisServer, RedisSessionStore } from '../helpers/redis.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { expectRefusal, HOSTILE_TIMEOUT, oauthFor, signIn } from '../security/hostile-harness.js';
import type { Agent, Hostile } from '../security/hostile-harness.js';

const hasRedis = await requireRedis();

/** Milliseconds; the requests below would hang for as long as the store is frozen without it. */
const STORE_TIMEOUT = 1_000;
/** A request that hangs fails the test instead of waiting for the store. */
const REQUEST_DEADLINE = { deadline: 15_000 } as const;

describe.skipIf(!hasRedis)('a frozen session store', () => {
  let redis: RedisServer;
  let provider: ScriptedProvider;
  let sessions: RedisSessionStore;
  let app: TestApp;
  let h: Hostile;
  let frozen = false;

  function freeze(): void {
    process.kill(redis.pid, 'SIGSTOP');
    frozen = true;
  }
  function thaw(): void {
    if (frozen) process.kill(redis.pid, 'SIGCONT');
    frozen = false;
  }

  beforeAll(async () => {
    redis = (await startRedis())!;
    provider = await startScriptedProvider();
    sessions = await connectSessionStore(redis.url, 'frozen:');
    app = await startTestApp({
      oauth: oauthFor(provider, { ...HOSTILE_TIMEOUT, storeTimeout: STORE_TIMEOUT }),
      store: boundSessionStore(sessions.store, { timeout: STORE_TIMEOUT }),
    });
    h = { provider, app, close: () => app.close() };
  });
  afterEach(() => thaw());
  afterAll(async () => {
    thaw();
    await app?.close();
    await sessions?.close();
    await provider?.close();
    await redis?.stop();
  });

  async function expectUnavailable(agent: Agent, path: string): Promise<void> {
    const response = await agent.get(path).timeout(REQUEST_DEADLINE);
    expectRefusal(response, { status: 503, code: 'OAUTH_STORE_UNAVAILABLE' });
  }

  it('answers a signed-in request 503 while the store is frozen, and loses nothing', async () => {
    const victim = await signIn(h);
    const before = (await victim.get('/session').expect(200)).body as { id: string };
    freeze();
    await expectUnavailable(victim, '/me');
    await expectUnavailable(victim, '/');
    thaw();
    const after = (await victim.get('/session').expect(200)).body as { id: string };
    expect(after.id).toBe(before.id);
    const me = await victim.get('/me').expect(200);
    expect(me.body.sub).toBe(provider.subject);
  });

  it("bounds the middleware's own store calls: a login starts without the store, and its callback's save is a 503 with Retry-After", async () => {
    // The store without boundSessionStore(): only storeTimeout bounds what the middleware does.
    const plain = await startTestApp({
      oauth: oauthFor(provider, { ...HOSTILE_TIMEOUT, storeTimeout: STORE_TIMEOUT }),
      store: sessions.store,
    });
    try {
      freeze();
      // No session cookie yet: express-session reads nothing, and the pending login is a cookie.
      const agent = browser(plain.url);
      const login = await agent.get('/login').timeout(REQUEST_DEADLINE);
      expect(login.status).toBe(303);
      const callback = await authorize(provider, new URL(login.headers.location as string));
      // Signing in writes the session: the first store call, bounded.
      const response = await agent.get(pathOf(callback)).timeout(REQUEST_DEADLINE);
      expectRefusal(response, { status: 503, code: 'OAUTH_STORE_UNAVAILABLE' });
      expect(response.headers['retry-after']).toBe(String(STORE_TIMEOUT / 1000));
      thaw();
      await signIn({ provider, app: plain, close: () => plain.close() });
    } finally {
      thaw();
      await plain.close();
    }
  });

  it('bounds the refresh lock kept in the frozen Redis by the store timeout', async () => {
    const lock = boundRefreshLock(createRedisRefreshLock(sessions.client), STORE_TIMEOUT);
    const token = await lock.acquire('frozen-lock', 10_000);
    expect(token).toBeDefined();
    freeze();
    await expect(lock.acquire('another-lock', 10_000)).rejects.toMatchObject({
      code: 'OAUTH_STORE_UNAVAILABLE',
      status: 503,
      retryAfter: STORE_TIMEOUT / 1000,
    });
    thaw();
    await lock.release('frozen-lock', token as string);
    expect(await lock.acquire('frozen-lock', 10_000)).toBeDefined();
  });

  it('logs out nobody when the store freezes during a logout, and logs out once it is back', async () => {
    const victim = await signIn(h);
    const session = (await victim.get('/session').expect(200)).body as { id: string };
    freeze();
    const response = await victim.post('/logout').set('Origin', app.url).timeout(REQUEST_DEADLINE);
    expect(response.status).toBe(503);
    thaw();
    const still = (await victim.get('/session').expect(200)).body as { id: string };
    expect(still.id).toBe(session.id);
    await victim.get('/me').expect(200);
    const home = browser(app.url);
    await signIn(h, home);
  });
});
