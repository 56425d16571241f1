import { setTimeout as sleep } from 'node:timers/promises';
import { OAuthError } from '../errors.js';
import type { OAuthRuntime } from '../runtime.js';

/** How often a waiting caller looks at the lock again, with jitter so waiters do not march in step. */
const POLL_MS = 5;

/**
 * Runs `work` while holding the configured lock (`refreshLock`) on `key`, waiting for it as long
 * as a provider request may take: what is read, changed and written under it cannot be lost to
 * another instance doing the same at once. The refresh path has its own loop, since a waiting
 * refresh also watches the session for the result.
 */
export async function runExclusive<T>(
  runtime: OAuthRuntime,
  key: string,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const { refreshLock, options } = runtime;
  const ttl = options.timeout * 2 + 1000;
  const deadline = Date.now() + ttl + options.timeout;
  for (;;) {
    const token = await refreshLock.acquire(key, ttl);
    if (token !== undefined) {
      try {
        return await work();
      } finally {
        await refreshLock.release(key, token).catch((error: unknown) => {
          options.logger.error(`could not release the ${what} lock`, error);
        });
      }
    }
    if (Date.now() > deadline) {
      throw new OAuthError(`another instance held the ${what} lock for too long`, {
        code: 'OAUTH_PROVIDER_TIMEOUT',
      });
    }
    await sleep(POLL_MS + Math.random() * POLL_MS);
  }
}
