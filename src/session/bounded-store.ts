import { Store } from 'express-session';
import type { SessionData } from 'express-session';
import { codedTypeError, OAuthError } from '../errors.js';
import { DEFAULT_STORE_TIMEOUT, storeUnavailableError } from './store.js';

/** Options of {@link boundSessionStore}. */
export interface OAuthBoundedStoreOptions {
  /**
   * Milliseconds each store call may take before it fails with `OAUTH_STORE_UNAVAILABLE`.
   * Default `5000`, as `storeTimeout`.
   */
  timeout?: number;
}

type Callback<T> = (err: unknown, value?: T) => void;

/** A failure of the store itself, or its silence, as the one error an error handler answers 503. */
function unavailable(operation: string, timeout: number, cause?: unknown): OAuthError {
  if (cause instanceof OAuthError) return cause;
  return storeUnavailableError(operation, timeout, cause);
}

/**
 * An express-session store in front of another, whose every call ends within `timeout`: see
 * {@link boundSessionStore}.
 */
class BoundedStore extends Store {
  readonly #inner: Store;
  readonly #timeout: number;

  constructor(inner: Store, timeout: number) {
    super();
    this.#inner = inner;
    this.#timeout = timeout;
    // express-session stops using a store that says it is disconnected, until it reconnects.
    inner.on('disconnect', () => this.emit('disconnect'));
    inner.on('connect', () => this.emit('connect'));
  }

  #call<T>(operation: string, run: (done: Callback<T>) => void, callback: Callback<T>): void {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(unavailable(operation, this.#timeout));
    }, this.#timeout);
    try {
      run((err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) callback(unavailable(operation, this.#timeout, err));
        else callback(null, value);
      });
    } catch (error) {
      settled = true;
      clearTimeout(timer);
      callback(unavailable(operation, this.#timeout, error));
    }
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.#call('read', (done) => this.#inner.get(sid, done), callback);
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    this.#call(
      'save',
      (done) => this.#inner.set(sid, session, done),
      (err) => callback?.(err),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.#call(
      'destroy',
      (done) => this.#inner.destroy(sid, done),
      (err) => callback?.(err),
    );
  }

  // A touch only moves the expiry: one that fails or times out leaves it where it was, and is
  // not worth failing a response that was already answered.
  override touch(sid: string, session: SessionData, callback?: () => void): void {
    const touch = this.#inner.touch?.bind(this.#inner);
    if (touch === undefined) {
      callback?.();
      return;
    }
    this.#call(
      'touch',
      (done) => touch(sid, session, () => done(null)),
      () => callback?.(),
    );
  }
}

/**
 * Wraps the store given to express-session so that every call it makes ends within `timeout`:
 * a store that does not answer (a frozen Redis), or fails (a stopped one), gives an
 * {@link OAuthError} with code `OAUTH_STORE_UNAVAILABLE`, status 503 and `retryAfter`, instead of
 * a request that hangs for as long as the store does. express-session reads the session before
 * any middleware runs and hands such an error to the application's error handler, which should
 * answer `err.status` with `Retry-After`. A late answer of the store is ignored; nothing is
 * cleared. A touch that fails is ignored (it only moves the expiry).
 *
 * @example
 * ```ts
 * import { RedisStore } from 'connect-redis';
 * import { boundSessionStore } from 'express-oauth-rp';
 * const store = boundSessionStore(new RedisStore({ client }), { timeout: 2000 });
 * app.use(session({ store, secret, resave: false, saveUninitialized: false }));
 * ```
 */
export function boundSessionStore(store: Store, options: OAuthBoundedStoreOptions = {}): Store {
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function') {
    throw codedTypeError(
      'boundSessionStore() needs an express-session store (an object with get, set and destroy)',
      'ERR_INVALID_ARG_TYPE',
    );
  }
  const timeout = options.timeout ?? DEFAULT_STORE_TIMEOUT;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1) {
    throw codedTypeError(
      '"options.timeout" of boundSessionStore() must be a finite number >= 1 (milliseconds)',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return new BoundedStore(store, timeout);
}
