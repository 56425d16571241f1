import type { SecretKeys } from './secret-keys.js';
import type { OAuthTokens } from './tokens.js';

/**
 * Tokens at rest: the session store holds the whole tokens record encrypted with the configured
 * secret (JWE, see secret-keys.ts), so a Redis dump or a backup gives no one a user's access,
 * refresh or ID token. Beside it, in clear, only what the per-request checks need (the expiry,
 * whether a refresh token exists, the granted scope for `requireAuth({ scopes })`), none of it a
 * credential, so a signed-in request whose token no handler uses decrypts nothing.
 */
export interface OAuthStoredTokens {
  /** The tokens record, encrypted and authenticated (compact JWE). */
  readonly sealed: string;
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds at which the access token was requested, when it has an expiry. */
  readonly issuedAt?: number;
  /** Whether the sealed record holds a refresh token. */
  readonly refreshable?: boolean;
  /** The granted scope, space-separated, when the provider said. */
  readonly scope?: string;
}

/** What the per-request check reads of the tokens, without decrypting them. */
export interface TokenSummary {
  readonly expiresAt?: number;
  readonly issuedAt?: number;
  readonly refreshable: boolean;
  readonly scope?: string;
}

function epoch(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export async function sealTokens(
  keys: SecretKeys,
  tokens: OAuthTokens,
): Promise<OAuthStoredTokens> {
  const stored: { -readonly [K in keyof OAuthStoredTokens]: OAuthStoredTokens[K] } = {
    sealed: await keys.seal('tokens', tokens),
  };
  if (tokens.expiresAt !== undefined) stored.expiresAt = tokens.expiresAt;
  if (tokens.issuedAt !== undefined) stored.issuedAt = tokens.issuedAt;
  if (tokens.refreshToken !== undefined) stored.refreshable = true;
  if (tokens.scope !== undefined) stored.scope = tokens.scope;
  return stored;
}

/**
 * The clear part of stored tokens; `undefined` when the session holds none (or garbage), or when
 * they were sealed with a secret no longer configured (found without decrypting).
 */
export function summarizeTokens(keys: SecretKeys, stored: unknown): TokenSummary | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const record = stored as Record<string, unknown>;
  if (typeof record.sealed !== 'string') return undefined;
  if (!keys.sealedWithKnownKey('tokens', record.sealed)) return undefined;
  const expiresAt = epoch(record.expiresAt);
  const issuedAt = epoch(record.issuedAt);
  return {
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(issuedAt === undefined ? {} : { issuedAt }),
    refreshable: record.refreshable === true,
    ...(typeof record.scope === 'string' ? { scope: record.scope } : {}),
  };
}

/**
 * The tokens, decrypted; `undefined` when they cannot be (another secret, tampered). The clear
 * expiry wins over the sealed one: marking a token expired changes only the clear part.
 */
export async function openTokens(
  keys: SecretKeys,
  stored: unknown,
): Promise<OAuthTokens | undefined> {
  const summary = summarizeTokens(keys, stored);
  if (summary === undefined) return undefined;
  const opened = await keys.open('tokens', (stored as OAuthStoredTokens).sealed);
  if (typeof opened !== 'object' || opened === null) return undefined;
  const tokens = opened as Record<string, unknown>;
  if (typeof tokens.accessToken !== 'string' || typeof tokens.tokenType !== 'string') {
    return undefined;
  }
  const { expiresAt: _sealedExpiry, ...rest } = tokens;
  return {
    ...rest,
    ...(summary.expiresAt === undefined ? {} : { expiresAt: summary.expiresAt }),
  } as unknown as OAuthTokens;
}
