import type { Request } from 'express';
import { openTokens, sealTokens, summarizeTokens } from './sealed-tokens.js';
import type { OAuthStoredTokens, TokenSummary } from './sealed-tokens.js';
import type { SecretKeys } from './secret-keys.js';
import type { OAuthTokens } from './tokens.js';
import { regenerateSession, saveSession } from './store.js';
import { requestTenant } from './tenant.js';
import type { OAuthUser } from './user.js';

/**
 * What the middleware keeps in `req.session.oauth`, and the sign-in it holds. The files of
 * session/ are the only ones that read or write the session, so every rule about it
 * (regeneration, what a signed-in session holds; pending logins live in cookies) lives there.
 */
export interface OAuthSessionData {
  /** The signed-in user; absent until a callback completes and after logout. */
  user?: OAuthUser;
  /**
   * The signed-in user's tokens, encrypted with the configured `secret` (only their expiry in
   * clear); present exactly when `user` is. `req.oauth` hands them out decrypted.
   */
  tokens?: OAuthStoredTokens;
  /** Epoch milliseconds of the sign-in, for `absoluteDuration`. */
  signedInAt?: number;
  /** Epoch milliseconds of the provider's `session_expiry`, when it sent one. */
  sessionEndsAt?: number;
  /** Epoch milliseconds of the last request seen, for `idleDuration`. */
  lastSeenAt?: number;
  /** A step-up was tried since the last sign-in: a second shortfall is refused, not retried. */
  stepUpTried?: boolean;
  /** Access tokens for other APIs (RFC 8707), keyed by resource and scope; never the refresh token. */
  resourceTokens?: Record<string, OAuthStoredTokens>;
  /** Providers per tenant: the tenant the user signed in on; the sign-in counts there only. */
  tenant?: string;
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

/** A signed-in session as every request reads it: the user, and of the tokens only their expiry. */
export interface SignInSummary {
  readonly user: OAuthUser;
  readonly tokens: TokenSummary;
}

/**
 * The signed-in user and the clear part of the tokens, without decrypting anything, when the
 * session holds a well-formed sign-in of this request's tenant (a sign-in made on another tenant
 * reads as nobody, everywhere); undefined also when the tokens were sealed with a secret no longer
 * configured: such a session proves nothing.
 */
export function readSignIn(req: Request, keys: SecretKeys): SignInSummary | undefined {
  const stored = sessionData(req);
  const user = stored?.user;
  const tokens = summarizeTokens(keys, stored?.tokens);
  if (
    stored?.tenant !== requestTenant(req) ||
    typeof user?.sub !== 'string' ||
    typeof user.provider !== 'string' ||
    tokens === undefined
  ) {
    return undefined;
  }
  return { user, tokens };
}

/**
 * Whether the session holds a sign-in made on another tenant (one cookie shared by several):
 * what this tenant must neither read nor end.
 */
export function signedInElsewhere(req: Request): boolean {
  const stored = sessionData(req);
  return stored?.user !== undefined && stored.tenant !== requestTenant(req);
}

/**
 * The signed-in user and the decrypted tokens, for the handlers that send or renew them; undefined
 * without a well-formed sign-in, or when the tokens cannot be decrypted (sealed with a secret no
 * longer configured): such a session proves nothing.
 */
export async function readAuthentication(
  req: Request,
  keys: SecretKeys,
): Promise<OAuthAuthentication | undefined> {
  const signIn = readSignIn(req, keys);
  if (signIn === undefined) return undefined;
  const tokens = await openTokens(keys, sessionData(req)?.tokens);
  return tokens === undefined ? undefined : { user: signIn.user, tokens };
}

/**
 * Signs the user in: a new session id (so an id planted before login is worthless), the user and
 * tokens; then saved before the redirect. (Other tabs' pending logins are cookies: they stay.)
 */
export async function establishSession(
  req: Request,
  authentication: OAuthAuthentication,
  keys: SecretKeys,
  now = Date.now(),
): Promise<void> {
  // Sealed first: nothing may fail between the regeneration and the save.
  const tokens = await sealTokens(keys, authentication.tokens);
  await regenerateSession(req);
  const next: OAuthSessionData = {
    user: authentication.user,
    tokens,
    signedInAt: now,
    lastSeenAt: now,
  };
  const tenant = requestTenant(req);
  if (tenant !== undefined) next.tenant = tenant;
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
  keys: SecretKeys,
): Promise<void> {
  const tokens = await sealTokens(keys, authentication.tokens);
  req.session.oauth = {
    ...sessionData(req),
    user: authentication.user,
    tokens,
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
export async function readResourceToken(
  req: Request,
  key: string,
  keys: SecretKeys,
): Promise<OAuthTokens | undefined> {
  const tokens = sessionData(req)?.resourceTokens;
  const token = tokens !== undefined && Object.hasOwn(tokens, key) ? tokens[key] : undefined;
  return token === undefined ? undefined : openTokens(keys, token);
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
  keys: SecretKeys,
): Promise<void> {
  const stored = sessionData(req) ?? {};
  const current = await openTokens(keys, stored.tokens);
  let tokens: OAuthStoredTokens | undefined;
  if (current !== undefined) {
    const { refreshToken: _spent, ...rest } = current;
    tokens = await sealTokens(keys, {
      ...rest,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    });
  }
  const sealed = await sealTokens(keys, token);
  req.session.oauth = {
    ...stored,
    ...(tokens === undefined ? {} : { tokens }),
    resourceTokens: { ...stored.resourceTokens, [key]: sealed },
  };
  await saveSession(req);
}

/**
 * Marks the session's access token as expired (an API refused it), so the next use renews it;
 * only while it is still that token. Saved at once: the renewal reads the session again.
 */
export async function expireAccessToken(
  req: Request,
  accessToken: string,
  keys: SecretKeys,
): Promise<void> {
  const stored = sessionData(req);
  if (stored?.tokens === undefined) return;
  if ((await openTokens(keys, stored.tokens))?.accessToken !== accessToken) return;
  // Only the clear expiry changes: it wins over the sealed one when the tokens are opened.
  req.session.oauth = { ...stored, tokens: { ...stored.tokens, expiresAt: Date.now() - 1 } };
  await saveSession(req);
}
