// Issue 9: a flood of GET /login and of forged callbacks from one client costs the session store
// nothing (before: every GET /login wrote a session, 5,000 entries left behind per 5,000 requests)
// and the forged callbacks cost the provider nothing. Run on the memory store and on a real Redis,
// counting the store's writes by wrapping set, touch and destroy; the figures are logged for the
// issue's closing note.
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import session from 'express-session';
import type { Store } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { connectSessionStore, requireRedis, startRedis } from '../helpers/redis.js';
import type { RedisServer, RedisSessionStore } from '../helpers/redis.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const REQUESTS = 5_000;
const CONCURRENCY = 16;

interface Counted {
  writes: number;
}

/** Counts every write the store is asked for (set, touch, destroy), whatever the store. */
function countWrites(store: Store): Counted {
  const counted = { writes: 0 };
  const target = store as unknown as Record<string, unknown>;
  for (const method of ['set', 'touch', 'destroy']) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function (this: unknown, ...args: unknown[]) {
      counted.writes += 1;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return counted;
}

interface Flood {
  statuses: Map<number, number>;
  perSecond: number;
}

/** `REQUESTS` requests, `CONCURRENCY` at a time on keep-alive connections, as one client sends them. */
async function flood(app: TestApp, next: (i: number) => { path: string; cookie?: string }) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let sent = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const { path, cookie } = next(i);
      const req = httpRequest(
        `${app.url}${path}`,
        { agent, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) } },
        (res) => {
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < REQUESTS) await one(sent++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { statuses, perSecond: Math.round(REQUESTS / seconds) } satisfies Flood;
}

function randomState(): string {
  return randomBytes(32).toString('base64url');
}

/** The abuse of one store: the login flood, then the forged callbacks. */
function floodSuite(name: string, makeStore: () => Promise<Store>) {
  let provider: ScriptedProvider;
  let app: TestApp;
  let counted: Counted;

  beforeAll(async () => {
    provider = await startScriptedProvider();
    const store = await makeStore();
    counted = countWrites(store);
    app = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        timeout: 5_000,
      }),
      store,
    });
    // Discovery is made once, by a first login; the flood then measures only the floods.
    await app.router.ready();
  });

  afterAll(async () => {
    await app.close();
    await provider.close();
  });

  it(`${name}: ${REQUESTS} GET /login write nothing to the store`, async () => {
    const before = counted.writes;
    const result = await flood(app, () => ({ path: '/login?returnTo=/somewhere' }));
    const writes = counted.writes - before;
    console.log(
      `[login-flood] ${name}: ${REQUESTS} GET /login, ${result.perSecond} requests/s, statuses ${JSON.stringify(Object.fromEntries(result.statuses))}, store writes ${writes}`,
    );
    expect(Object.fromEntries(result.statuses)).toEqual({ 303: REQUESTS });
    expect(writes).toBe(0);
  });

  it(`${name}: ${REQUESTS} forged callbacks write nothing and reach no provider`, async () => {
    const before = counted.writes;
    const providerRequests = provider.requests.length;
    // Half without a pending-login cookie, half with a forged one for the callback's own state,
    // so the decryption path is flooded too.
    const result = await flood(app, (i) => {
      const state = randomState();
      return {
        path: `/callback?code=${randomState()}&state=${state}`,
        ...(i % 2 === 0
          ? {}
          : {
              cookie: `oauth_login_${state.slice(0, 16)}=${randomBytes(200).toString('base64url')}`,
            }),
      };
    });
    const writes = counted.writes - before;
    const reached = provider.requests.length - providerRequests;
    console.log(
      `[login-flood] ${name}: ${REQUESTS} forged callbacks, ${result.perSecond} requests/s, statuses ${JSON.stringify(Object.fromEntries(result.statuses))}, store writes ${writes}, provider requests ${reached}`,
    );
    expect(Object.fromEntries(result.statuses)).toEqual({ 400: REQUESTS });
    expect(writes).toBe(0);
    expect(reached).toBe(0);
  });
}

describe('login flood on the memory store', () => {
  floodSuite('memory store', async () => new session.MemoryStore());
});

const hasRedis = await requireRedis();

describe.skipIf(!hasRedis)('login flood on Redis', () => {
  let redis: RedisServer | undefined;
  let sessions: RedisSessionStore | undefined;
  afterAll(async () => {
    await sessions?.close();
    await redis?.stop();
  });
  floodSuite('Redis', async () => {
    redis = await startRedis();
    sessions = await connectSessionStore(redis!.url, 'flood:');
    return sessions.store;
  });
});
