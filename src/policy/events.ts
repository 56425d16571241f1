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
  const limit = new AbortController();
  await Promise.race([
    done,
    sleep(options.timeout, undefined, { signal: limit.signal }).catch(() => undefined),
  ]);
  limit.abort();
}
