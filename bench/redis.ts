/**
 * The bench's Redis: one `redis-server` on 127.0.0.1 started as the test suite starts it
 * (test/helpers/redis.ts: nothing persisted, a fresh directory), and the server's own count of
 * the commands it ran (`INFO commandstats`), which checks the store wrapper's counts from outside.
 */
import { createClient } from 'redis';
import { startRedis } from '../test/helpers/redis.js';
import type { RedisServer } from '../test/helpers/redis.js';

export interface BenchRedis {
  readonly url: string;
  /** Calls per command name (lower case) since the server started. */
  commandCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Starts redis-server, or answers undefined when it is not installed. */
export async function startBenchRedis(): Promise<BenchRedis | undefined> {
  const server: RedisServer | undefined = await startRedis();
  if (server === undefined) return undefined;
  const client = createClient({ url: server.url });
  await client.connect();
  return {
    url: server.url,
    async commandCounts() {
      // cmdstat_get:calls=12,usec=34,...
      const info = await client.info('commandstats');
      const counts: Record<string, number> = {};
      for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        counts[match[1]!] = Number(match[2]);
      }
      return counts;
    },
    async stop() {
      await client.close();
      await server.stop();
    },
  };
}

/** Commands run between two `commandCounts()`, per name, leaving out the ones not run. */
export function commandDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const ran = calls - (before[name] ?? 0);
    if (ran > 0) delta[name] = ran;
  }
  return delta;
}
