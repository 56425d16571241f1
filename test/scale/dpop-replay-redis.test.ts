/**
 * The Redis DPoP replay store against a real redis-server: a proof's jti is claimed once across
 * every instance sharing the Redis, whichever claims it first, and is forgotten after its window.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisReplayStore } from '../../src/index.js';
import { requireRedis, startRedis } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';

const hasRedis = await requireRedis();

describe.skipIf(!hasRedis)('createRedisReplayStore() on a real Redis', () => {
  let redis: RedisServer;
  let clients: ReturnType<typeof createClient>[];

  beforeAll(async () => {
    redis = (await startRedis())!;
    clients = [createClient({ url: redis.url }), createClient({ url: redis.url })];
    for (const client of clients) await client.connect();
  });

  afterAll(async () => {
    for (const client of clients ?? []) await client.close();
    await redis?.stop();
  });

  it('lets exactly one of 20 concurrent claims from two instances win, then forgets the jti', async () => {
    const stores = clients.map((client) => createRedisReplayStore(client));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.claim('proof-jti-1', 200)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await clients[0]!.pTTL('oauth-dpop-jti:proof-jti-1')).toBeGreaterThan(0);
    await expect.poll(() => clients[1]!.exists('oauth-dpop-jti:proof-jti-1')).toBe(0);
    expect(await stores[1]!.claim('proof-jti-1', 200)).toBe(true);
  });
});
