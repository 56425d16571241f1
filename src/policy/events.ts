import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthTokenInfo } from '../options/policy-types.js';
import type { OAuthTokens } from '../session/tokens.js';

/** What hooks may know of the tokens: never the tokens themselves. */
export function tokenInfo(tokens: OAuthTokens): OAuthTokenInfo {
  return {
    tokenType: tokens.tokenType,
    scopes: (tokens.scope ?? '').split(' ').filter((scope) => scope !== ''),
    expiresAt: tokens.expiresAt,
    hasRefreshToken: tokens.refreshToken !== undefined,
    hasIdToken: tokens.idToken !== undefined,
  };
}

/**
 * Waits for `work` at most `ms` milliseconds, and says whether it finished; the work itself goes
 * on (and must handle its own failure). What keeps an ending session from waiting on a slow provider or hook.
 */
export async function withinTimeout(work: Promise<void>, ms: number): Promise<boolean> {
  const limit = new AbortController();
  const finished = await Promise.race([
    work.then(() => true),
    sleep(ms, false, { signal: limit.signal }).catch(() => true),
  ]);
  limit.abort();
  return finished;
}

/**
 * Calls an application's event hook: its failure is logged, and the request waits for it at most
 * `timeout` milliseconds (the hook itself goes on).
 */
export async function notify<E>(
  options: ResolvedOptions,
  name: 'onRefresh' | 'onLogout',
  hook: ((event: E) => void | Promise<void>) | undefined,
  event: E,
): Promise<void> {
  if (hook === undefined) return;
  const done = Promise.resolve()
    .then(() => hook(event))
    .catch((error: unknown) => {
      options.logger.error(`${name} failed`, error);
    });
  await withinTimeout(done, options.timeout);
}
