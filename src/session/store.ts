import type { Request } from 'express';
import { OAuthError } from '../errors.js';

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

function promisify(operation: string, run: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    run((err) => (err ? reject(sessionError(operation, err)) : resolve()));
  });
}

export function saveSession(req: Request): Promise<void> {
  return promisify('save', (done) => req.session.save(done));
}

export function regenerateSession(req: Request): Promise<void> {
  return promisify('regenerate', (done) => req.session.regenerate(done));
}

/** Destroys the whole session in the store, so the old cookie grants nothing afterwards. */
export function destroySession(req: Request): Promise<void> {
  return promisify('destroy', (done) => req.session.destroy(done));
}

/**
 * Reads the session again from the store (another instance may have written it). Resolves to
 * false when the store no longer has it.
 */
export function reloadSession(req: Request): Promise<boolean> {
  return new Promise((resolve) => {
    req.session.reload((err) => resolve(!err));
  });
}

/** A key that identifies the session within this process, for one-refresh-at-a-time. */
export function sessionKey(req: Request): string {
  return req.sessionID;
}
