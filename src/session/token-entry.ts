import type { Request } from 'express';
import type { SessionData, Store } from 'express-session';
import type { SecretKeys } from './secret-keys.js';
import { boundStoreCall, storeTimeoutOf } from './store.js';
import type { OAuthTokens } from './tokens.js';

/**
 * The signed-in user's tokens in their own entry of the session store, beside the session.
 *
 * express-session reads and parses the whole session on every request (and hashes it again at the
 * end), so every byte of it is paid by every request. The tokens (an ID token alone is most of a
 * kilobyte, sealed) are needed only by the handlers that send or renew one: the session keeps
 * what every request checks (the user, the tokens' expiry), and this entry, read only when a
 * handler asks, keeps the tokens, sealed with the configured secret (JWE, see secret-keys.ts).
 *
 * The entry is keyed by the session id, so whatever ends a session (logout, a back-channel logout
 * from another instance, a failed refresh) finds it without reading the session first. It lives
 * in the store until the sign-in's own end (`absoluteDuration` from the sign-in, or the provider's
 * `session_expiry` when earlier): the store forgets it then even if no one deletes it.
 */

/** What a sealed entry holds once opened. */
export interface TokenRecord {
  /** Whose tokens they are: checked against the session's user before they are handed out. */
  readonly sub: string;
  readonly provider: string;
  readonly tokens: OAuthTokens;
  /** Access tokens for other APIs (RFC 8707), keyed by resource and scope. */
  readonly resources: Readonly<Record<string, OAuthTokens>>;
}

/** The entry as the store keeps it: a cookie record (the store's TTL) and one sealed value. */
interface StoredEntry {
  cookie: { expires: string; originalMaxAge: number };
  oauthTokens: string;
}

const PREFIX = 'oauth-tokens:';

/** The store key of a session's tokens; never a value express-session hands out as a session id. */
export function tokenEntryKey(sessionId: string): string {
  return `${PREFIX}${sessionId}`;
}

/** The store calls of one session's tokens: the store, the session id, the `storeTimeout`. */
export interface TokenEntryTarget {
  readonly store: Store;
  readonly sessionId: string;
  readonly timeout: number;
  /** The request being served, when there is one: let go of if the store does not answer. */
  readonly req?: Request;
}

/** The entry of the request's own session. */
export function requestTokenEntry(req: Request): TokenEntryTarget {
  return { store: req.sessionStore, sessionId: req.sessionID, timeout: storeTimeoutOf(req), req };
}

function isTokens(value: unknown): value is OAuthTokens {
  if (typeof value !== 'object' || value === null) return false;
  const tokens = value as Record<string, unknown>;
  return typeof tokens.accessToken === 'string' && typeof tokens.tokenType === 'string';
}

function isRecord(value: unknown): value is TokenRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const resources = record.resources;
  return (
    typeof record.sub === 'string' &&
    typeof record.provider === 'string' &&
    isTokens(record.tokens) &&
    typeof resources === 'object' &&
    resources !== null &&
    Object.values(resources).every(isTokens)
  );
}

/**
 * The session's tokens, opened; `undefined` when the store has none for it (signed out, expired,
 * deleted) or they cannot be opened (another secret, tampered). A store that fails or does not
 * answer rejects (`OAUTH_STORE_UNAVAILABLE`): a failed read never counts as "no tokens".
 */
export async function readTokenEntry(
  target: TokenEntryTarget,
  keys: SecretKeys,
): Promise<TokenRecord | undefined> {
  const { store, sessionId, timeout, req } = target;
  const stored = await boundStoreCall<SessionData | null>(
    timeout,
    'read the tokens of',
    (done) => store.get(tokenEntryKey(sessionId), done),
    req,
  );
  const sealed = (stored as Partial<StoredEntry> | null | undefined)?.oauthTokens;
  if (typeof sealed !== 'string') return undefined;
  const opened = await keys.open('tokens', sealed);
  return isRecord(opened) ? opened : undefined;
}

/** Seals `record` and writes it as the session's tokens, kept by the store until `expiresAt`. */
export async function writeTokenEntry(
  target: TokenEntryTarget,
  keys: SecretKeys,
  record: TokenRecord,
  expiresAt: number,
): Promise<void> {
  const { store, sessionId, timeout, req } = target;
  const entry: StoredEntry = {
    cookie: {
      expires: new Date(expiresAt).toISOString(),
      originalMaxAge: Math.max(0, expiresAt - Date.now()),
    },
    oauthTokens: await keys.seal('tokens', record),
  };
  await boundStoreCall(
    timeout,
    'save the tokens of',
    (done) => store.set(tokenEntryKey(sessionId), entry as unknown as SessionData, done),
    req,
  );
}

/** Deletes the session's tokens from the store. */
export async function destroyTokenEntry(target: TokenEntryTarget): Promise<void> {
  const { store, sessionId, timeout, req } = target;
  await boundStoreCall(
    timeout,
    'delete the tokens of',
    (done) => store.destroy(tokenEntryKey(sessionId), done),
    req,
  );
}
