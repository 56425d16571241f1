import type { Request } from 'express';
import { OAuthError } from './errors.js';
import type { OAuthTokens } from './tokens.js';
import { isTransaction, pruneTransactions } from './transaction.js';
import type { OAuthTransaction } from './transaction.js';
import type { OAuthUser } from './user.js';

/**
 * What the middleware keeps in `req.session.oauth`. This file is the only one that reads or
 * writes the session, so every rule about it (regeneration, single-use transactions, what a
 * signed-in session holds) lives in one place.
 */
export interface OAuthSessionData {
  /** Pending logins keyed by their `state`. */
  transactions?: Record<string, OAuthTransaction>;
  user?: OAuthUser;
  tokens?: OAuthTokens;
}

/** A signed-in session. */
export interface OAuthAuthentication {
  readonly user: OAuthUser;
  readonly tokens: OAuthTokens;
}

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

function data(req: Request): OAuthSessionData | undefined {
  const value: unknown = req.session.oauth;
  return typeof value === 'object' && value !== null ? (value as OAuthSessionData) : undefined;
}

/** The signed-in user and tokens, when the session holds a well-formed sign-in. */
export function readAuthentication(req: Request): OAuthAuthentication | undefined {
  const stored = data(req);
  const user = stored?.user;
  const tokens = stored?.tokens;
  if (
    typeof user?.sub !== 'string' ||
    typeof user.provider !== 'string' ||
    typeof tokens?.accessToken !== 'string'
  ) {
    return undefined;
  }
  return { user, tokens };
}

/** Records a new pending login, dropping expired ones and the oldest beyond `max`. */
export function addTransaction(
  req: Request,
  state: string,
  transaction: OAuthTransaction,
  maxAgeMs: number,
  max: number,
): void {
  const stored = data(req) ?? {};
  const pending = pruneTransactions(
    { ...stored.transactions, [state]: transaction },
    transaction.createdAt,
    maxAgeMs,
    max,
  );
  req.session.oauth = { ...stored, transactions: pending };
}

/** What the session said about a callback's `state`. */
export type TakenTransaction =
  { found: true; transaction: OAuthTransaction } | { found: false; anyPending: boolean };

/**
 * Removes the transaction for `state` and returns it. Deleting it before it is validated means a
 * replayed callback finds nothing to reuse, whatever happens next.
 */
export function takeTransaction(req: Request, state: string): TakenTransaction {
  const stored = data(req);
  const pending = stored?.transactions ?? {};
  const transaction = Object.hasOwn(pending, state) ? pending[state] : undefined;
  if (!isTransaction(transaction)) {
    return { found: false, anyPending: Object.keys(pending).length > 0 };
  }
  const rest = Object.fromEntries(Object.entries(pending).filter(([key]) => key !== state));
  req.session.oauth = { ...stored, transactions: rest };
  return { found: true, transaction };
}

/**
 * Signs the user in: a new session id (so an id planted before login is worthless), the user and
 * tokens, and the other tabs' pending logins carried over; then saved before the redirect.
 */
export async function establishSession(
  req: Request,
  authentication: OAuthAuthentication,
): Promise<void> {
  const pending = data(req)?.transactions;
  await promisify('regenerate', (done) => req.session.regenerate(done));
  const next: OAuthSessionData = { user: authentication.user, tokens: authentication.tokens };
  if (pending !== undefined && Object.keys(pending).length > 0) next.transactions = pending;
  req.session.oauth = next;
  await saveSession(req);
}

/** Stores refreshed tokens (and a user whose claims the refresh updated) and saves at once. */
export async function updateAuthentication(
  req: Request,
  authentication: OAuthAuthentication,
): Promise<void> {
  req.session.oauth = { ...data(req), user: authentication.user, tokens: authentication.tokens };
  await saveSession(req);
}

/** Forgets the signed-in user but keeps the session (and its pending logins). */
export async function clearAuthentication(req: Request): Promise<void> {
  const stored = data(req);
  if (stored?.user === undefined && stored?.tokens === undefined) return;
  req.session.oauth = stored.transactions ? { transactions: stored.transactions } : {};
  await saveSession(req);
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
