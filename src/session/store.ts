import type { Request } from 'express';
import type { SessionData } from 'express-session';
import { OAuthError } from '../errors.js';
import type { OAuthRefreshLock } from '../refresh/locks.js';

/**
 * express-session's callback API as promises, with one error for every store failure. Only the
 * files of session/ call these: they are the only code that touches `req.session`.
 */

type SessionRequest = Request & { session?: Request['session'] };

const SESSION_MISSING_MESSAGE =
  'oauthMiddleware() requires express-session; add app.use(session({ secret, resave: false, saveUninitialized: false })) before it';

/** Fails loudly with the line the application forgot, instead of a TypeError deep in a route. */
export function assertSession(req: SessionRequest): asserts req is Request {
  if (req.session === undefined || req.session === null || typeof req.session !== 'object') {
    throw new OAuthError(SESSION_MISSING_MESSAGE, { code: 'OAUTH_SESSION_MISSING' });
  }
}

function sessionError(operation: string, cause: unknown): OAuthError {
  return new OAuthError(`the session store failed to ${operation} the session`, {
    code: 'OAUTH_SESSION_ERROR',
    cause,
  });
}

/** `storeTimeout` when the application sets none: milliseconds. */
export const DEFAULT_STORE_TIMEOUT = 5_000;

/** Each request's `storeTimeout`, set by the middleware that handles it. */
const storeTimeouts = new WeakMap<Request, number>();

/** Bounds every store call made for `req` by `timeout` milliseconds (the middleware's option). */
export function useStoreTimeout(req: Request, timeout: number): void {
  storeTimeouts.set(req, timeout);
}

/**
 * The store did not answer within `timeout` milliseconds (no `cause`), or failed (`cause`, from
 * {@link boundSessionStore}): 503, to be tried again in about that time.
 */
export function storeUnavailableError(
  operation: string,
  timeout: number,
  cause?: unknown,
): OAuthError {
  const message =
    cause === undefined
      ? `the session store did not ${operation} the session within ${timeout} ms ("storeTimeout")`
      : `the session store failed to ${operation} the session`;
  return new OAuthError(message, {
    code: 'OAUTH_STORE_UNAVAILABLE',
    retryAfter: Math.max(1, Math.ceil(timeout / 1000)),
    cause: cause ?? { operation, timeout },
  });
}

/**
 * The session is let go for the rest of a request whose store is unavailable: express-session
 * would otherwise save or touch it as the response ends and hold the 503 until the store answers,
 * and it sets no cookie either, so the browser keeps the session it had. Nothing is cleared: a
 * store that comes back finds the session as it was.
 */
function letSessionGo(req: Request | undefined): void {
  if (req !== undefined) (req as { session?: unknown }).session = undefined;
}

function isStoreUnavailable(error: unknown): error is OAuthError {
  return error instanceof OAuthError && error.code === 'OAUTH_STORE_UNAVAILABLE';
}

/**
 * One store call, bounded by `timeout`: a callback that comes later is ignored (the store client
 * may still complete it; each call writes a whole session, never a part of one).
 */
export function boundStoreCall<T>(
  timeout: number,
  operation: string,
  run: (done: (err: unknown, value?: T) => void) => void,
  req?: Request,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      letSessionGo(req);
      reject(storeUnavailableError(operation, timeout));
    }, timeout);
    run((err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isStoreUnavailable(err)) {
        // boundSessionStore() already gave up on the store.
        letSessionGo(req);
        reject(err);
      } else if (err) reject(sessionError(operation, err));
      else resolve(value);
    });
  });
}

/**
 * `lock` with each call bounded by `timeout` milliseconds, like every store call: a lock kept in a
 * frozen Redis gives `OAUTH_STORE_UNAVAILABLE` instead of a request that waits for it. A lock taken
 * after the caller gave up expires at its TTL.
 */
export function boundRefreshLock(lock: OAuthRefreshLock, timeout: number): OAuthRefreshLock {
  const bounded = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(storeUnavailableError(operation, timeout)), timeout);
      call().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        },
      );
    });
  return {
    acquire: (key: string, ttlMs: number) => bounded('lock', () => lock.acquire(key, ttlMs)),
    release: (key: string, token: string) => bounded('unlock', () => lock.release(key, token)),
  };
}

/** The `storeTimeout` of the middleware serving `req`. */
export function storeTimeoutOf(req: Request): number {
  return storeTimeouts.get(req) ?? DEFAULT_STORE_TIMEOUT;
}

async function promisify(
  req: Request,
  operation: string,
  run: (done: (err?: unknown) => void) => void,
): Promise<void> {
  await boundStoreCall<undefined>(storeTimeoutOf(req), operation, run, req);
}

export function saveSession(req: Request): Promise<void> {
  return promisify(req, 'save', (done) => req.session.save(done));
}

export function regenerateSession(req: Request): Promise<void> {
  return promisify(req, 'regenerate', (done) => req.session.regenerate(done));
}

/** Destroys the whole session in the store, so the old cookie grants nothing afterwards. */
export function destroySession(req: Request): Promise<void> {
  return promisify(req, 'destroy', (done) => req.session.destroy(done));
}

/**
 * Reads the session again from the store (another instance may have written it). Resolves to
 * false only when the store answers that it no longer has the session; a store that fails or
 * does not answer rejects, so a failed read never counts as "signed out". Done as
 * express-session's own `reload()` is (a `get`, then `createSession`), which reports both cases
 * as one error.
 */
export async function reloadSession(req: Request): Promise<boolean> {
  const store = req.sessionStore;
  const stored = await boundStoreCall<SessionData | null>(
    storeTimeoutOf(req),
    'reload',
    (done) => store.get(req.sessionID, done),
    req,
  );
  if (stored === undefined || stored === null) return false;
  store.createSession(req, stored);
  return true;
}

/** A key that identifies the session within this process, for one-refresh-at-a-time. */
export function sessionKey(req: Request): string {
  return req.sessionID;
}
