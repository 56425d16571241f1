/**
 * The session store a variant's child uses (express-session's MemoryStore, or connect-redis on the
 * bench's own redis-server), wrapped so that every call the middleware makes is counted: reads,
 * writes, touches, destroys, and the bytes read back from the store. With Redis, the parent checks
 * the same counts against the server's own `INFO commandstats` (bench/redis.ts).
 */
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { SessionData, Store } from 'express-session';
import { createClient } from 'redis';

export type StoreKind = 'memory' | 'redis';

/** What the store saw since the last reset. */
export interface StoreStats {
  reads: number;
  writes: number;
  touches: number;
  destroys: number;
  /** Bytes of serialised session read back from the store (what express-session parses). */
  bytesRead: number;
  /** Sessions in the store now. */
  sessions: number;
  /**
   * `GET /me` requests the server received: the denominator of the per-request figures (the
   * load generator's own count misses the requests still in flight when a round ends).
   */
  requests: number;
}

export interface CountedStore {
  readonly kind: StoreKind;
  readonly store: Store;
  stats(): Promise<StoreStats>;
  reset(): void;
  /** Counts one measured request (`GET /me`). */
  countRequest(): void;
  /** The session exactly as the store holds it (serialised), or undefined. */
  raw(sid: string): Promise<string | undefined>;
  /**
   * Writes `count` more sessions holding `data`, as other signed-in users would have, each with
   * `tokens` as its tokens' own entry when given.
   */
  seed(count: number, data: SessionData, tokens?: SessionData): Promise<void>;
  close(): Promise<void>;
}

/** Counts the calls express-session makes, without changing what they do. */
function count(store: Store, stats: StoreStats): void {
  const wrap = <K extends 'get' | 'set' | 'touch' | 'destroy'>(
    method: K,
    counter: 'reads' | 'writes' | 'touches' | 'destroys',
  ): void => {
    const original = (store[method] as (...args: unknown[]) => unknown).bind(store);
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      stats[counter] += 1;
      return original(...args);
    };
  };
  wrap('get', 'reads');
  wrap('set', 'writes');
  wrap('touch', 'touches');
  wrap('destroy', 'destroys');
}

const SEED_BATCH = 1000;

async function memoryStore(): Promise<CountedStore> {
  const store = new session.MemoryStore();
  const sessions = (store as unknown as { sessions: Record<string, string> }).sessions;
  const stats = empty();
  // MemoryStore keeps each session as a JSON string and parses it on get(): the bytes read are
  // the string's length. Counted here, at the one place a read happens.
  const get = store.get.bind(store);
  store.get = (sid, done) => {
    const raw = sessions[sid];
    if (raw !== undefined) stats.bytesRead += Buffer.byteLength(raw);
    get(sid, done);
  };
  count(store, stats);
  return {
    kind: 'memory',
    store,
    stats: () => Promise.resolve({ ...stats, sessions: Object.keys(sessions).length }),
    reset: () => Object.assign(stats, empty()),
    countRequest: () => {
      stats.requests += 1;
    },
    raw: (sid) => Promise.resolve(sessions[sid]),
    async seed(n, data, tokens) {
      const base = Object.keys(sessions).length;
      const json = JSON.stringify(data);
      const tokensJson = tokens === undefined ? undefined : JSON.stringify(tokens);
      for (let i = 0; i < n; i++) {
        sessions[`bench-seed-${base + i}`] = json;
        if (tokensJson !== undefined) sessions[`oauth-tokens:bench-seed-${base + i}`] = tokensJson;
      }
    },
    close: () => Promise.resolve(),
  };
}

async function redisStore(url: string, prefix: string): Promise<CountedStore> {
  const client = createClient({ url });
  await client.connect();
  const stats = empty();
  const store = new RedisStore({
    client,
    prefix,
    // connect-redis's default serializer is JSON; this one only counts what it parses.
    serializer: {
      parse(text: string): SessionData {
        stats.bytesRead += Buffer.byteLength(text);
        return JSON.parse(text) as SessionData;
      },
      stringify: (data: SessionData) => JSON.stringify(data),
    },
  });
  count(store, stats);
  return {
    kind: 'redis',
    store,
    async stats() {
      let sessions = 0;
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        sessions += keys.length;
      }
      return { ...stats, sessions };
    },
    reset: () => Object.assign(stats, empty()),
    countRequest: () => {
      stats.requests += 1;
    },
    raw: async (sid) => (await client.get(`${prefix}${sid}`)) ?? undefined,
    async seed(n, data, tokens) {
      const json = JSON.stringify(data);
      const tokensJson = tokens === undefined ? undefined : JSON.stringify(tokens);
      const base = Date.now().toString(36);
      for (let start = 0; start < n; start += SEED_BATCH) {
        const batch = client.multi();
        for (let i = start; i < Math.min(n, start + SEED_BATCH); i++) {
          batch.set(`${prefix}bench-seed-${base}-${i}`, json, { EX: 86_400 });
          if (tokensJson !== undefined) {
            batch.set(`${prefix}oauth-tokens:bench-seed-${base}-${i}`, tokensJson, { EX: 86_400 });
          }
        }
        await batch.exec();
      }
    },
    close: () => client.close(),
  };
}

function empty(): StoreStats {
  return { reads: 0, writes: 0, touches: 0, destroys: 0, bytesRead: 0, sessions: 0, requests: 0 };
}

/** The store of a child: `BENCH_STORE=redis` with `BENCH_REDIS_URL`, MemoryStore otherwise. */
export async function createCountedStore(
  kind: StoreKind,
  redisUrl: string | undefined,
  prefix: string,
): Promise<CountedStore> {
  if (kind === 'memory') return memoryStore();
  if (redisUrl === undefined || redisUrl === '') throw new Error('BENCH_REDIS_URL is not set');
  return redisStore(redisUrl, prefix);
}
