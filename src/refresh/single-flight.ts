import { OAuthError } from '../errors.js';
import type { OAuthAuthentication } from '../session/sign-in.js';

/** How long a finished refresh is remembered for requests that read the session before it was saved. */
const GRACE_MS = 30_000;
/** The first wait after a provider failed a refresh; it doubles with each failure, up to the cap. */
const FIRST_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;
/** Sessions remembered at once; the oldest are forgotten first, so memory stays bounded. */
const MAX_REMEMBERED = 10_000;

interface Failure {
  readonly error: OAuthError;
  readonly until: number;
  readonly attempts: number;
}

/**
 * One refresh at a time per session and token. Concurrent requests of one session share the
 * refresh in flight, and for a short while after it ends a request that still holds the old
 * refresh token (it loaded the session before the new one was saved) reuses the result instead of
 * spending a rotated token, which the provider would answer with `invalid_grant`.
 *
 * A refresh that failed because the provider is down (`retryLater`) is not tried again on every
 * request: until the back-off ends, callers get the same error at once, with `retryAfter`.
 */
export class RefreshCoordinator {
  readonly #inFlight = new Map<string, Promise<OAuthAuthentication>>();
  readonly #failures = new Map<string, Failure>();

  run(
    key: string,
    tokenKey: string,
    refresh: () => Promise<OAuthAuthentication>,
    retryLater: (error: unknown) => boolean,
  ): Promise<OAuthAuthentication> {
    const id = `${key}\u0000${tokenKey}`;
    const existing = this.#inFlight.get(id);
    if (existing !== undefined) return existing;
    const failure = this.#failures.get(id);
    const now = Date.now();
    if (failure !== undefined && now < failure.until) {
      return Promise.reject(backingOff(failure, now));
    }
    const pending = refresh();
    this.#inFlight.set(id, pending);
    const forget = (): void => {
      if (this.#inFlight.get(id) === pending) this.#inFlight.delete(id);
    };
    pending.then(
      () => {
        this.#failures.delete(id);
        setTimeout(forget, GRACE_MS).unref();
      },
      (error: unknown) => {
        forget();
        if (retryLater(error) && error instanceof OAuthError) {
          this.#remember(id, error, failure?.attempts ?? 0);
        } else {
          this.#failures.delete(id);
        }
      },
    );
    return pending;
  }

  #remember(id: string, error: OAuthError, previousAttempts: number): void {
    const attempts = previousAttempts + 1;
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 1));
    const asked = error.retryAfter === undefined ? 0 : error.retryAfter * 1000;
    this.#failures.delete(id);
    this.#failures.set(id, {
      error,
      attempts,
      until: Date.now() + Math.min(MAX_BACKOFF_MS * 5, Math.max(backoff, asked)),
    });
    if (this.#failures.size > MAX_REMEMBERED) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
  }
}

/** The remembered failure, served again while the back-off lasts, with the wait left. */
function backingOff(failure: Failure, now: number): OAuthError {
  const { error } = failure;
  return new OAuthError(`${error.message}; not asked again for a while`, {
    code: error.code,
    status: error.status,
    ...(error.error === undefined ? {} : { error: error.error }),
    ...(error.errorDescription === undefined ? {} : { errorDescription: error.errorDescription }),
    retryAfter: Math.max(1, Math.ceil((failure.until - now) / 1000)),
    cause: error,
  });
}
