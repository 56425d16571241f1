import { OAuthError } from '../errors.js';
import { publish } from './events.js';

/**
 * The few lines each flow adds to publish its events: kept here so a route or the refresh gains
 * one call, not the payload's construction.
 */

/** The code and status an error is answered with; anything unexpected is a 500. */
function failureOf(error: unknown): { code: string; status: number } {
  return error instanceof OAuthError
    ? { code: error.code, status: error.status }
    : { code: 'OAUTH_INTERNAL_ERROR', status: 500 };
}

/** `login:failure`, for the step that failed. */
export function publishLoginFailure(
  provider: string,
  step: 'start' | 'callback',
  error: unknown,
  started: number,
): void {
  publish('loginFailure', () => ({
    provider,
    step,
    ...failureOf(error),
    durationMs: performance.now() - started,
  }));
}

/** Runs one refresh at the provider, publishing `refresh` with how it ended. */
export async function refreshWithEvents<T>(
  provider: string,
  refresh: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await refresh();
    publish('refresh', () => ({
      provider,
      outcome: 'success',
      durationMs: performance.now() - started,
    }));
    return result;
  } catch (error) {
    publish('refresh', () => ({
      provider,
      outcome: 'failure',
      code: failureOf(error).code,
      durationMs: performance.now() - started,
    }));
    throw error;
  }
}

/** The refresh lock's waits, as `refresh-lock:wait` and `refresh-lock:timeout`. */
export interface LockWait {
  /** The lock was taken: this request waits (called on every poll; the first one counts). */
  began(): void;
  /** The wait is over (the lock was taken, or someone else's refresh arrived). */
  ended(): void;
  /** The request gives up. */
  timedOut(): void;
}

export function lockWait(provider: string): LockWait {
  let since: number | undefined;
  return {
    began() {
      since ??= performance.now();
    },
    ended() {
      if (since === undefined) return;
      const waitedMs = performance.now() - since;
      since = undefined;
      publish('refreshLockWait', () => ({ provider, waitedMs }));
    },
    timedOut() {
      const waitedMs = since === undefined ? 0 : performance.now() - since;
      since = undefined;
      publish('refreshLockTimeout', () => ({ provider, waitedMs }));
    },
  };
}
