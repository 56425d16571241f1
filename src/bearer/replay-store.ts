import type { OAuthRedisLockClient } from '../refresh/locks.js';
import { BoundedCache } from './bounded-cache.js';

/**
 * Where DPoP proofs' `jti` values are remembered, so each proof is used once: the in-memory
 * default ({@link createMemoryReplayStore}) for one instance, {@link createRedisReplayStore} for
 * several behind a load balancer, or any store with the same one method.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export interface OAuthReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds. Resolves to `true` when the key was not recorded yet
   * (the proof is fresh), `false` when it was (a replay). Must be atomic across instances.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** Options of {@link createMemoryReplayStore}. */
export interface OAuthMemoryReplayStoreOptions {
  /**
   * How many proofs are remembered at most; beyond it the oldest are forgotten first. Default
   * 100,000. Only proofs that passed every other check (a valid token, a signature by its key)
   * are recorded, so reaching it takes that many valid requests within one proof lifetime.
   */
  maxEntries?: number;
}

/**
 * The default replay store: a bounded map in this process, each entry forgotten once its proof
 * has expired.
 *
 * @example
 * ```ts
 * app.get('/api/orders', requireBearer({ audience, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 10_000 }) } }), list);
 * ```
 */
export function createMemoryReplayStore(
  options: OAuthMemoryReplayStoreOptions = {},
): OAuthReplayStore {
  const seen = new BoundedCache<true>(options.maxEntries ?? 100_000);
  return {
    async claim(key, ttlMs) {
      const now = Date.now();
      if (seen.get(key, now) !== undefined) return false;
      seen.set(key, true, now + ttlMs);
      return true;
    },
  };
}

/** The part of a node-redis (v4, v5) client the Redis replay store uses: `SET key value NX PX ttl`. */
export type OAuthRedisReplayClient = Pick<OAuthRedisLockClient, 'set'>;

/**
 * A replay store in Redis, shared by every instance: `SET key 1 NX PX ttl` records a proof's
 * `jti` atomically, so a proof replayed at another instance is refused too.
 *
 * @example
 * ```ts
 * const client = createClient({ url: process.env.REDIS_URL });
 * await client.connect();
 * const replayStore = createRedisReplayStore(client);
 * app.get('/api/orders', requireBearer({ audience, dpop: { replayStore } }), list);
 * ```
 */
export function createRedisReplayStore(
  client: OAuthRedisReplayClient,
  options: { prefix?: string } = {},
): OAuthReplayStore {
  const prefix = options.prefix ?? 'oauth-dpop-jti:';
  return {
    async claim(key, ttlMs) {
      const answer = await client.set(`${prefix}${key}`, '1', { NX: true, PX: Math.ceil(ttlMs) });
      return answer === 'OK';
    },
  };
}
