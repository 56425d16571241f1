import type { Request } from 'express';
import type { OAuthCompletedLogin } from './completed-login.js';
import type { SecretKeys } from './secret-keys.js';
import { destroySession, regenerateSession, saveSession } from './store.js';
import {
  destroyTokenEntry,
  readTokenEntry,
  requestTokenEntry,
  writeTokenEntry,
} from './token-entry.js';
import type { TokenRecord } from './token-entry.js';
import { readTokenSummary, summarizeForSession, summaryDescribes } from './token-summary.js';
import type { OAuthTokenSummary, TokenSummary } from './token-summary.js';
import type { OAuthTokens } from './tokens.js';
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
   * What every request checks of the signed-in user's tokens (their expiry, the granted scope);
   * present exactly when `user` is. The tokens themselves are sealed with the configured `secret`
   * in their own store entry, `oauth-tokens:<session id>`, which `req.oauth` reads, decrypted,
   * only when a handler asks for a token.
   */
  tokens?: OAuthTokenSummary;
  /** Epoch milliseconds of the sign-in, for `absoluteDuration`. */
  signedInAt?: number;
  /** Epoch milliseconds of the provider's `session_expiry`, when it sent one. */
  sessionEndsAt?: number;
  /** Epoch milliseconds of the last request seen, for `idleDuration`. */
  lastSeenAt?: number;
  /** A step-up was tried since the last sign-in: a second shortfall is refused, not retried. */
  stepUpTried?: boolean;
  /** Providers per tenant: the tenant the user signed in on; the sign-in counts there only. */
  tenant?: string;
  /**
   * The login that signed the user in: a hash of its `state` and where it returned to, so a
   * reload of its callback sends the user there again rather than to an error page.
   */
  completedLogin?: OAuthCompletedLogin;
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
  const tokens = readTokenSummary(keys, stored?.tokens);
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

/** Whether a token entry is the one of this user's sign-in (it names its user). */
function belongsTo(user: OAuthUser, record: TokenRecord | undefined): record is TokenRecord {
  return record !== undefined && record.sub === user.sub && record.provider === user.provider;
}

/**
 * The sign-in a session holds, from its user and its token entry; undefined when the entry is
 * missing (signed out, expired) or belongs to another sign-in.
 */
export function storedAuthentication(
  user: OAuthUser,
  record: TokenRecord | undefined,
): OAuthAuthentication | undefined {
  return belongsTo(user, record) ? { user, tokens: record.tokens } : undefined;
}

/** A signed-in session with its token entry, as one read of the store gives them. */
export interface SignedIn {
  readonly authentication: OAuthAuthentication;
  /** Access tokens for other APIs (RFC 8707), keyed by resource and scope. */
  readonly resources: Readonly<Record<string, OAuthTokens>>;
}

/** The session's part and its sign-in with its token entry: the one read of the entry. */
export async function readSignedInEntry(
  req: Request,
  keys: SecretKeys,
): Promise<{ data: OAuthSessionData; user: OAuthUser; record: TokenRecord } | undefined> {
  const data = sessionData(req);
  const signIn = readSignIn(req, keys);
  if (data === undefined || signIn === undefined) return undefined;
  const record = await readTokenEntry(requestTokenEntry(req), keys);
  return belongsTo(signIn.user, record) ? { data, user: signIn.user, record } : undefined;
}

/**
 * The signed-in user, the decrypted tokens and the tokens for other APIs, for the handlers that
 * send or renew them: one read of the token entry (a store read) on behalf of a request.
 * Undefined without a well-formed sign-in, or when its tokens are gone from the store or cannot
 * be decrypted (sealed with a secret no longer configured): such a session proves nothing.
 */
export async function readSignedIn(req: Request, keys: SecretKeys): Promise<SignedIn | undefined> {
  const found = await readSignedInEntry(req, keys);
  return found === undefined
    ? undefined
    : {
        authentication: { user: found.user, tokens: found.record.tokens },
        resources: found.record.resources,
      };
}

/** The signed-in user and the decrypted tokens (see {@link readSignedIn}). */
export async function readAuthentication(
  req: Request,
  keys: SecretKeys,
): Promise<OAuthAuthentication | undefined> {
  return (await readSignedIn(req, keys))?.authentication;
}

/**
 * Brings the session's summary up to date with tokens just read from their entry, when another
 * request renewed them after this one read the session (or a save of the summary was lost);
 * express-session saves it as the request ends. Without this, every later request would read the
 * entry to find out what the summary should have said.
 */
export function syncSummary(req: Request, tokens: OAuthTokens, keys: SecretKeys): void {
  const data = sessionData(req);
  const summary = readTokenSummary(keys, data?.tokens);
  if (data === undefined || summary === undefined || summaryDescribes(summary, tokens)) return;
  req.session.oauth = { ...data, tokens: summarizeForSession(keys, tokens) };
}

/** What writing tokens needs: the keys that seal them, and how long a sign-in may last. */
export interface TokenKeeping {
  readonly secretKeys: SecretKeys;
  /** Seconds: `absoluteDuration`, after which the store may forget the tokens. */
  readonly absoluteDuration: number;
}

/** When the session cookie sets no maxAge: how long a session may outlive its sign-in's end. */
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Until when the store keeps the tokens: the end of the sign-in the session holds, and then as
 * long as the session may still be in the store (one cookie maxAge after its last request, a day
 * without one), so that the first request after the end still finds the tokens to revoke them.
 */
function keepTokensUntil(
  req: Request,
  data: OAuthSessionData,
  options: TokenKeeping,
  now: number,
): number {
  const absolute = (data.signedInAt ?? now) + options.absoluteDuration * 1000;
  const end = data.sessionEndsAt === undefined ? absolute : Math.min(absolute, data.sessionEndsAt);
  const maxAge = req.session.cookie.originalMaxAge;
  return Math.max(end, now) + (typeof maxAge === 'number' && maxAge > 0 ? maxAge : DAY_MS);
}

/** Seals and writes the session's token entry, then puts its summary in the session and saves. */
export async function keepTokens(
  req: Request,
  data: OAuthSessionData & { user: OAuthUser },
  tokens: OAuthTokens,
  resources: Readonly<Record<string, OAuthTokens>>,
  options: TokenKeeping,
  now = Date.now(),
): Promise<void> {
  const { user } = data;
  // The entry first: a session that names tokens always finds them (or newer ones).
  await writeTokenEntry(
    requestTokenEntry(req),
    options.secretKeys,
    { sub: user.sub, provider: user.provider, tokens, resources },
    keepTokensUntil(req, data, options, now),
  );
  req.session.oauth = { ...data, tokens: summarizeForSession(options.secretKeys, tokens) };
  await saveSession(req);
}

/**
 * Signs the user in: a new session id (so an id planted before login is worthless), the user and
 * the summary of the tokens in the session, the tokens in their own entry; both saved before the
 * redirect. (Other tabs' pending logins are cookies: they stay.) `login` is the record of the
 * login that completed, for a reload of its callback.
 */
export async function establishSession(
  req: Request,
  authentication: OAuthAuthentication,
  options: TokenKeeping,
  login: OAuthCompletedLogin | undefined,
  now = Date.now(),
): Promise<void> {
  // A sign-in this session held before: its tokens go with its session id.
  if (sessionData(req)?.tokens !== undefined) await destroyTokenEntry(requestTokenEntry(req));
  await regenerateSession(req);
  const next: OAuthSessionData & { user: OAuthUser } = {
    user: authentication.user,
    signedInAt: now,
    lastSeenAt: now,
    ...(login === undefined ? {} : { completedLogin: login }),
  };
  const tenant = requestTenant(req);
  if (tenant !== undefined) next.tenant = tenant;
  // OpenID Connect: the provider may say until when its own session lasts (epoch seconds).
  const sessionExpiry = authentication.user.claims.session_expiry;
  if (typeof sessionExpiry === 'number' && Number.isFinite(sessionExpiry)) {
    next.sessionEndsAt = sessionExpiry * 1000;
  }
  // Nothing is in the session until the tokens are stored: a failed write leaves it empty.
  await keepTokens(req, next, authentication.tokens, {}, options, now);
}

/**
 * Stores refreshed tokens (and a user whose claims the refresh updated) and saves at once; nothing
 * when the entry holds them already (a request that shared another request's refresh).
 */
export async function updateAuthentication(
  req: Request,
  authentication: OAuthAuthentication,
  options: TokenKeeping,
): Promise<void> {
  const data = sessionData(req) ?? {};
  const current = await readTokenEntry(requestTokenEntry(req), options.secretKeys);
  const mine = belongsTo(authentication.user, current);
  if (mine && current.tokens.accessToken === authentication.tokens.accessToken) return;
  // Tokens for other APIs stay: they were issued to this sign-in and have their own expiry.
  await keepTokens(
    req,
    { ...data, user: authentication.user },
    authentication.tokens,
    mine ? current.resources : {},
    options,
  );
}

/** Forgets the signed-in user (and deletes the tokens) but keeps the session. */
export async function clearAuthentication(req: Request): Promise<void> {
  const stored = sessionData(req);
  if (stored?.user === undefined && stored?.tokens === undefined) return;
  if (stored.tokens !== undefined) await destroyTokenEntry(requestTokenEntry(req));
  req.session.oauth = {};
  await saveSession(req);
}

/** Destroys the whole session and its tokens in the store: the old cookie grants nothing. */
export async function destroySignedInSession(req: Request): Promise<void> {
  if (sessionData(req)?.tokens !== undefined) await destroyTokenEntry(requestTokenEntry(req));
  await destroySession(req);
}
