import type { Request } from 'express';
import type { OAuthTokens } from './tokens.js';
import { regenerateSession, saveSession } from './store.js';
import type { OAuthUser } from './user.js';

/**
 * What the middleware keeps in `req.session.oauth`, and the sign-in it holds. The files of
 * session/ are the only ones that read or write the session, so every rule about it
 * (regeneration, what a signed-in session holds; pending logins live in cookies) lives there.
 */
export interface OAuthSessionData {
  /** The signed-in user; absent until a callback completes and after logout. */
  user?: OAuthUser;
  /** The signed-in user's tokens; present exactly when `user` is. */
  tokens?: OAuthTokens;
  /** Epoch milliseconds of the sign-in, for `absoluteDuration`. */
  signedInAt?: number;
  /** Epoch milliseconds of the provider's `session_expiry`, when it sent one. */
  sessionEndsAt?: number;
  /** Epoch milliseconds of the last request seen, for `idleDuration`. */
  lastSeenAt?: number;
  /** A step-up was tried since the last sign-in: a second shortfall is refused, not retried. */
  stepUpTried?: boolean;
  /** Access tokens for other APIs (RFC 8707), keyed by resource and scope; never the refresh token. */
  resourceTokens?: Record<string, OAuthTokens>;
}

/** A signed-in session. */
export interface OAuthAuthentication {
  readonly user: OAuthUser;
  readonly tokens: OAuthTokens;
}

/** The package's part of the session, when it holds one. */
export function sessionData(req: Request): OAuthSessionData | undefined {
  const value: unknown = req.session.oauth;
  return typeof value === 'object' && value !== null ? (value as OAuthSessionData) : undefined;
}

/** The signed-in user and tokens, when the session holds a well-formed sign-in. */
export function readAuthentication(req: Request): OAuthAuthentication | undefined {
  const stored = sessionData(req);
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

/**
 * Signs the user in: a new session id (so an id planted before login is worthless), the user and
 * tokens; then saved before the redirect. (Other tabs' pending logins are cookies: they stay.)
 */
export async function establishSession(
  req: Request,
  authentication: OAuthAuthentication,
  now = Date.now(),
): Promise<void> {
  await regenerateSession(req);
  const next: OAuthSessionData = {
    user: authentication.user,
    tokens: authentication.tokens,
    signedInAt: now,
    lastSeenAt: now,
  };
  // OpenID Connect: the provider may say until when its own session lasts (epoch seconds).
  const sessionExpiry = authentication.user.claims.session_expiry;
  if (typeof sessionExpiry === 'number' && Number.isFinite(sessionExpiry)) {
    next.sessionEndsAt = sessionExpiry * 1000;
  }
  req.session.oauth = next;
  await saveSession(req);
}

/** Stores refreshed tokens (and a user whose claims the refresh updated) and saves at once. */
export async function updateAuthentication(
  req: Request,
  authentication: OAuthAuthentication,
): Promise<void> {
  req.session.oauth = {
    ...sessionData(req),
    user: authentication.user,
    tokens: authentication.tokens,
  };
  await saveSession(req);
}

/** Forgets the signed-in user but keeps the session. */
export async function clearAuthentication(req: Request): Promise<void> {
  const stored = sessionData(req);
  if (stored?.user === undefined && stored?.tokens === undefined) return;
  req.session.oauth = {};
  await saveSession(req);
}

/** When the sign-in began, when the provider's session ends, and when it was last used. */
export interface SignInTimes {
  readonly signedInAt: number | undefined;
  readonly sessionEndsAt: number | undefined;
  readonly lastSeenAt: number | undefined;
}

function epoch(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function readSignInTimes(req: Request): SignInTimes {
  const stored = sessionData(req);
  return {
    signedInAt: epoch(stored?.signedInAt),
    sessionEndsAt: epoch(stored?.sessionEndsAt),
    lastSeenAt: epoch(stored?.lastSeenAt),
  };
}

/** Records a request of the signed-in user; express-session writes it when the request ends. */
export function recordSeen(req: Request, now: number): void {
  const stored = sessionData(req);
  if (stored !== undefined) req.session.oauth = { ...stored, lastSeenAt: now };
}

/** Whether a step-up was tried since the last sign-in. */
export function stepUpTried(req: Request): boolean {
  return sessionData(req)?.stepUpTried === true;
}

/** Marks (or, with `false`, clears) a step-up attempt. */
export function markStepUp(req: Request, tried: boolean): void {
  const stored = sessionData(req) ?? {};
  if ((stored.stepUpTried === true) === tried) return;
  const { stepUpTried: _marker, ...rest } = stored;
  req.session.oauth = tried ? { ...rest, stepUpTried: true } : rest;
}

/** A token obtained for another API, when the session holds one under that key. */
export function readResourceToken(req: Request, key: string): OAuthTokens | undefined {
  const tokens = sessionData(req)?.resourceTokens;
  const token = tokens !== undefined && Object.hasOwn(tokens, key) ? tokens[key] : undefined;
  return typeof token?.accessToken === 'string' ? token : undefined;
}

/**
 * Stores a token obtained for another API, and the session's refresh token as that exchange left
 * it (a provider that rotates refresh tokens has spent the old one); then saves at once.
 */
export async function storeResourceToken(
  req: Request,
  key: string,
  token: OAuthTokens,
  refreshToken: string | undefined,
): Promise<void> {
  const stored = sessionData(req) ?? {};
  const { refreshToken: _spent, ...tokens } = stored.tokens ?? ({} as OAuthTokens);
  req.session.oauth = {
    ...stored,
    ...(stored.tokens === undefined
      ? {}
      : {
          tokens: {
            ...tokens,
            ...(refreshToken === undefined ? {} : { refreshToken }),
          } as OAuthTokens,
        }),
    resourceTokens: { ...stored.resourceTokens, [key]: token },
  };
  await saveSession(req);
}

/**
 * Marks the session's access token as expired (an API refused it), so the next use renews it;
 * only while it is still that token. Saved at once: the renewal reads the session again.
 */
export async function expireAccessToken(req: Request, accessToken: string): Promise<void> {
  const stored = sessionData(req);
  if (stored?.tokens?.accessToken !== accessToken) return;
  req.session.oauth = { ...stored, tokens: { ...stored.tokens, expiresAt: Date.now() - 1 } };
  await saveSession(req);
}
