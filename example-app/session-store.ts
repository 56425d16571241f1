/**
 * Where the example app keeps its sessions (and so the signed-in users' tokens).
 *
 * - REDIS_URL set: in Redis, through connect-redis. Every instance started with the same
 *   REDIS_URL and SESSION_SECRET sees the same sessions, and a restart signs nobody out. The
 *   refresh lock is in Redis too, so that two instances never spend one refresh token twice.
 * - Otherwise: express-session's memory store, which is per process, forgets everyone on restart
 *   and never frees expired sessions; fine for a demo, not for production.
 *
 * docs/production.md explains the production set-up.
 */
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { boundSessionStore, createRedisRefreshLock } from 'express-oauth-rp';
import type { OAuthRefreshLock } from 'express-oauth-rp';
import { createClient } from 'redis';

import { ConfigurationError } from './app.js';

export interface SessionStore {
  /** express-session's `store`; undefined for its memory store. */
  store?: Store;
  /** oauthMiddleware()'s `refreshLock`, in the same Redis; undefined for the in-process one. */
  refreshLock?: OAuthRefreshLock;
  /** Where sessions are kept, for the start-up output (never with a password). */
  description: string;
  /** Closes the connection to the store, if any. */
  close(): Promise<void>;
}

/** The key prefix in Redis, so the app's sessions stay apart from anything else stored there. */
const PREFIX = 'example-app:sess:';

export async function createSessionStore(env: NodeJS.ProcessEnv): Promise<SessionStore> {
  const url = env.REDIS_URL?.trim();
  if (!url) {
    return {
      description: 'in memory (set REDIS_URL to share them between instances)',
      close: async () => {},
    };
  }
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new ConfigurationError(
      `REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://localhost:6379, got "${url}".`,
    );
  }
  if (!env.SESSION_SECRET?.trim()) {
    throw new ConfigurationError(
      'REDIS_URL is set but SESSION_SECRET is not. Sessions in Redis outlive the process only if ' +
        'their cookies stay valid: set SESSION_SECRET, the same for every instance.',
    );
  }
  // Credentials stay out of the output.
  const database = parsed.pathname === '/' ? '' : parsed.pathname;
  const where = `${parsed.protocol}//${parsed.host}${database}`;

  let connected = false;
  const client = createClient({
    url,
    // While Redis is away a request fails at once (the error page), rather than hanging.
    disableOfflineQueue: true,
    socket: {
      // At start-up, give up at the first failure so the app says what is wrong; once running,
      // keep reconnecting (at most every 3 s).
      reconnectStrategy: (retries, cause) => (connected ? Math.min(retries * 100, 3000) : cause),
    },
  });
  // Without a listener, a lost connection would crash the process.
  client.on('error', (error: Error) => {
    if (connected) console.error(`[example-app] Redis at ${where}: ${error.message}`);
  });
  try {
    await client.connect();
  } catch (error) {
    const reason = (error as Error).message.replace(/\.+$/, '');
    throw new ConfigurationError(
      `no usable Redis at ${where} (REDIS_URL): ${reason}. Start Redis (or fix REDIS_URL), ` +
        'or unset REDIS_URL to keep sessions in memory.',
      { cause: error },
    );
  }
  connected = true;
  return {
    // A frozen Redis (connection open, no answers) gives 503s within 2 s instead of requests
    // that hang inside express-session's own read (docs/production.md).
    store: boundSessionStore(new RedisStore({ client, prefix: PREFIX }), { timeout: 2_000 }),
    refreshLock: createRedisRefreshLock(client, { prefix: 'example-app:refresh-lock:' }),
    description: `Redis at ${where}`,
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}
