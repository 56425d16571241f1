import type { OAuthAuthentication } from './session.js';

/** How long a finished refresh is remembered for requests that read the session before it was saved. */
const GRACE_MS = 30_000;

/**
 * One refresh at a time per refresh token. Concurrent requests of one session share the refresh in
 * flight, and for a short while after it ends a request that still holds the old refresh token
 * (it loaded the session before the new one was saved) reuses the result instead of spending a
 * rotated token, which the provider would answer with `invalid_grant`.
 */
export class RefreshCoordinator {
  readonly #inFlight = new Map<string, Promise<OAuthAuthentication>>();

  run(
    key: string,
    refreshToken: string,
    refresh: () => Promise<OAuthAuthentication>,
  ): Promise<OAuthAuthentication> {
    const id = `${key}\u0000${refreshToken}`;
    const existing = this.#inFlight.get(id);
    if (existing !== undefined) return existing;
    const pending = refresh();
    this.#inFlight.set(id, pending);
    const forget = (): void => {
      if (this.#inFlight.get(id) === pending) this.#inFlight.delete(id);
    };
    pending.then(
      () => setTimeout(forget, GRACE_MS).unref(),
      // A failed refresh is not remembered: the next request may try again (or log in again).
      forget,
    );
    return pending;
  }
}
