import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'express';
import { OAuthError } from '../errors.js';
import { lockWait, refreshWithEvents } from '../observability/flow-events.js';
import { notify, tokenInfo } from '../policy/events.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { readAuthentication, updateAuthentication } from '../session/sign-in.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { reloadSession } from '../session/store.js';
import { renewalKey, tokenState } from './expiry.js';

/** How often a waiting instance looks at the store for the refreshed tokens. */
const POLL_MS = 25;

function loginRequired(): OAuthError {
  return new OAuthError('the session ended while its tokens were being refreshed; log in again', {
    code: 'OAUTH_LOGIN_REQUIRED',
  });
}

/**
 * The session's tokens after someone else's refresh, or `refreshed: false` while that has not
 * happened: the tokens being renewed changed (rotation), or the access token is valid again.
 */
async function sessionNow(
  runtime: OAuthRuntime,
  req: Request,
  spent: string,
): Promise<{ current: OAuthAuthentication; refreshed: boolean }> {
  const current = await readAuthentication(req, runtime.options.secretKeys);
  if (current === undefined) throw loginRequired();
  const leeway = runtime.options.refreshLeeway * 1000;
  const refreshed =
    renewalKey(current.tokens) !== spent ||
    tokenState(current.tokens, Date.now(), leeway) === 'valid';
  return { current, refreshed };
}

/**
 * Refreshes the session's tokens with at most one refresh request across every app instance that
 * shares the session store: the instance that takes the lock reads the session again (another may
 * have refreshed it a moment ago), refreshes, and saves before releasing; the others wait for the
 * saved result. A refresh token spent twice would be answered `invalid_grant` by a provider that
 * rotates them, ending the user's session.
 */
export async function refreshAcrossInstances(
  runtime: OAuthRuntime,
  req: Request,
  provider: OAuthProviderClient,
  spent: string,
): Promise<OAuthAuthentication> {
  const { refreshLock, options } = runtime;
  const key = createHash('sha256').update(spent).digest('base64url');
  // Longer than a provider request may take, so the lock outlives a slow but successful refresh.
  const ttl = options.timeout * 2 + 1000;
  const deadline = Date.now() + ttl + options.timeout;
  const wait = lockWait(provider.name);
  for (;;) {
    const token = await refreshLock.acquire(key, ttl);
    if (token !== undefined) {
      wait.ended();
      try {
        if (!(await reloadSession(req))) throw loginRequired();
        const { current, refreshed: already } = await sessionNow(runtime, req, spent);
        if (already) return current;
        const refreshed = await refreshWithEvents(provider.name, () => provider.refresh(current));
        await updateAuthentication(req, refreshed, options);
        await notify(options, 'onRefresh', options.onRefresh, {
          provider: provider.name,
          user: refreshed.user,
          tokens: tokenInfo(refreshed.tokens),
        });
        return refreshed;
      } finally {
        await refreshLock.release(key, token).catch((error: unknown) => {
          options.logger.error('could not release the refresh lock', error);
        });
      }
    }
    wait.began();
    await sleep(POLL_MS);
    if (!(await reloadSession(req))) throw loginRequired();
    const { current, refreshed } = await sessionNow(runtime, req, spent);
    if (refreshed) wait.ended();
    if (refreshed) return current;
    if (Date.now() > deadline) {
      wait.timedOut();
      throw new OAuthError('another instance held the refresh lock for too long', {
        code: 'OAUTH_PROVIDER_TIMEOUT',
      });
    }
  }
}
