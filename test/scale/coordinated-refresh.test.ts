/**
 * Coordinated refresh: when many requests on several instances find the same expired access
 * token at once, exactly one refresh reaches the provider (which rotates refresh tokens, so a
 * second use of the old one would be answered invalid_grant), and every request gets the result.
 */
import session from 'express-session';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryRefreshLock } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { pathOf } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { LoadBalancedBrowser, requireRedis, startRedis, startRedisApp } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

const hasRedis = await requireRedis();
const PUBLIC_URL = 'http://localhost:8080';
const REQUESTS = 50;

afterEach(() => {
  vi.useRealTimers();
});

async function provider(): Promise<TestProvider> {
  return startTestProvider({
    accessTokenTTL: 120,
    rotateRefreshTokens: true,
    redirectUris: [`${PUBLIC_URL}/callback`],
  });
}

function oauth(op: TestProvider) {
  return () => ({
    issuer: op.issuer,
    clientId: TEST_CLIENT.client_id,
    clientSecret: TEST_CLIENT.client_secret,
    baseURL: PUBLIC_URL,
  });
}

/**
 * Signs in on A, lets the access token expire, then sends REQUESTS concurrent requests that need
 * it, alternating between the instances.
 */
async function burst(op: TestProvider, a: TestApp, b: TestApp): Promise<void> {
  const browser = new LoadBalancedBrowser();
  const login = await browser.get(a, '/login');
  await browser.get(b, pathOf(await completeLogin(login.headers.location as string)));
  expect((await browser.get(a, '/me')).status).toBe(200);
  op.resetCounts();
  // Date only: the instances and the in-process provider see the token expire; I/O stays real.
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60 * 1000 });
  const responses = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) => browser.get(i % 2 === 0 ? a : b, '/access-token')),
  );
  const statuses = responses.map((response) => response.status);
  expect(statuses).toEqual(Array(REQUESTS).fill(200));
  expect(op.count('/token')).toBe(1);
  expect(new Set(responses.map((response) => response.body.fingerprint as string)).size).toBe(1);
  // The rotated refresh token was stored: once the new access token expires, refreshing works.
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60 * 1000 });
  expect((await browser.get(b, '/access-token')).status).toBe(200);
  expect(op.count('/token')).toBe(2);
}

describe.skipIf(!hasRedis)('coordinated refresh across two instances sharing Redis', () => {
  let redis: RedisServer;
  let op: TestProvider;

  beforeAll(async () => {
    redis = (await startRedis())!;
    op = await provider();
  });

  afterAll(async () => {
    await op?.close();
    await redis?.stop();
  });

  it(`sends one refresh for ${REQUESTS} concurrent requests, with the Redis lock`, async () => {
    const instance = () =>
      startRedisApp({ redisUrl: redis.url, prefix: 'sess:', oauth: oauth(op) });
    const a = await instance();
    const b = await instance();
    try {
      await burst(op, a, b);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('coordinated refresh across two instances sharing one store in a process', () => {
  it(`sends one refresh for ${REQUESTS} concurrent requests, with the in-process lock`, async () => {
    const op = await provider();
    const store = new session.MemoryStore();
    const refreshLock = createMemoryRefreshLock();
    const instance = () => startTestApp({ store, oauth: () => ({ ...oauth(op)(), refreshLock }) });
    const a = await instance();
    const b = await instance();
    try {
      await burst(op, a, b);
    } finally {
      await a.close();
      await b.close();
      await op.close();
    }
  });
});
