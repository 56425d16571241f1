import { randomUUID } from 'node:crypto';

/**
 * A lock that makes one refresh at a time happen across every app instance sharing a session
 * store: the instance that holds it spends the refresh token, the others wait and read the result
 * from the store. The default lives in one process; {@link createRedisRefreshLock} spans many.
 */
export interface OAuthRefreshLock {
  /** Takes the lock for `ttlMs` when it is free; resolves to a fencing token, or `undefined`. */
  acquire(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock, only if `token` still holds it (a lock that expired is not touched). */
  release(key: string, token: string): Promise<void>;
}

/** The in-process lock: enough for one instance, or several that share nothing else. */
export function createMemoryRefreshLock(): OAuthRefreshLock {
  const held = new Map<string, { token: string; until: number }>();
  return {
    async acquire(key, ttlMs) {
      const now = Date.now();
      const current = held.get(key);
      if (current !== undefined && current.until > now) return undefined;
      const token = randomUUID();
      held.set(key, { token, until: now + ttlMs });
      return token;
    },
    async release(key, token) {
      if (held.get(key)?.token === token) held.delete(key);
    },
  };
}

/** The part of a node-redis (v4, v5) client the Redis lock uses. */
export interface OAuthRedisLockClient {
  /** `SET key value NX PX ttl`: takes the lock; resolves to `'OK'` only when it was free. */
  set(
    key: string,
    value: string,
    options: { NX: true; PX: number },
  ): Promise<string | null | undefined | object>;
  /** `EVAL`: runs the compare-and-delete script that releases the lock. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Deletes the key only while it still holds this holder's token: the fencing check. */
const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A refresh lock in Redis, for app instances behind a load balancer: `SET key token NX PX ttl`
 * to take it, and a compare-and-delete script to release it, so an instance whose lock expired
 * (a refresh slower than the TTL) never releases the lock another instance has taken since.
 *
 * @example
 * ```ts
 * const client = createClient({ url: process.env.REDIS_URL });
 * await client.connect();
 * app.use(oauthMiddleware({ ...options, refreshLock: createRedisRefreshLock(client) }));
 * ```
 */
export function createRedisRefreshLock(
  client: OAuthRedisLockClient,
  options: { prefix?: string } = {},
): OAuthRefreshLock {
  const prefix = options.prefix ?? 'oauth-refresh-lock:';
  return {
    async acquire(key, ttlMs) {
      const token = randomUUID();
      const answer = await client.set(`${prefix}${key}`, token, { NX: true, PX: Math.ceil(ttlMs) });
      return answer === 'OK' ? token : undefined;
    },
    async release(key, token) {
      await client.eval(RELEASE_SCRIPT, { keys: [`${prefix}${key}`], arguments: [token] });
    },
  };
}
