import type { SecretKeys } from './secret-keys.js';
import type { OAuthTokens } from './tokens.js';

/**
 * What the session keeps of the tokens, in clear: only what the per-request checks need (the
 * expiry, whether a refresh token exists, the granted scope for `requireAuth({ scopes })`), none of
 * it a credential. The tokens themselves are sealed in their own store entry (token-entry.ts),
 * read only when a handler asks for one, so a signed-in request whose token no handler uses
 * neither reads nor decrypts them. The entry is the truth: a request that read this summary
 * before another one renewed the tokens finds the renewed tokens there.
 */
export interface OAuthTokenSummary {
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds at which the access token was requested, when it has an expiry. */
  readonly issuedAt?: number;
  /** Whether the sealed tokens hold a refresh token. */
  readonly refreshable?: boolean;
  /** The granted scope, space-separated, when the provider said. */
  readonly scope?: string;
  /**
   * The id of the key the tokens were sealed with: a session whose tokens only a retired secret
   * opens is known to prove nothing before any request reads them.
   */
  readonly sealedWith: string;
}

/** What the per-request check reads of the tokens. */
export interface TokenSummary {
  readonly expiresAt?: number;
  readonly issuedAt?: number;
  readonly refreshable: boolean;
  readonly scope?: string;
}

function epoch(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** What the per-request check reads of tokens in hand: the same as of the session's summary. */
export function summaryOf(tokens: OAuthTokens): TokenSummary {
  return {
    ...(tokens.expiresAt === undefined ? {} : { expiresAt: tokens.expiresAt }),
    ...(tokens.issuedAt === undefined ? {} : { issuedAt: tokens.issuedAt }),
    refreshable: tokens.refreshToken !== undefined,
    ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
  };
}

/** The summary the session keeps of `tokens`, sealed now with the current key. */
export function summarizeForSession(keys: SecretKeys, tokens: OAuthTokens): OAuthTokenSummary {
  const { refreshable, ...clear } = summaryOf(tokens);
  return {
    sealedWith: keys.sealingKeyId('tokens'),
    ...clear,
    ...(refreshable ? { refreshable } : {}),
  };
}

/**
 * The session's summary of its tokens; `undefined` when the session holds none (or garbage), or
 * when they were sealed with a secret no longer configured.
 */
export function readTokenSummary(keys: SecretKeys, stored: unknown): TokenSummary | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const record = stored as Record<string, unknown>;
  if (typeof record.sealedWith !== 'string' || !keys.knowsKey('tokens', record.sealedWith)) {
    return undefined;
  }
  const expiresAt = epoch(record.expiresAt);
  const issuedAt = epoch(record.issuedAt);
  return {
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(issuedAt === undefined ? {} : { issuedAt }),
    refreshable: record.refreshable === true,
    ...(typeof record.scope === 'string' ? { scope: record.scope } : {}),
  };
}

/** Whether `summary` still describes `tokens` (a request may have read it before a renewal). */
export function summaryDescribes(summary: TokenSummary, tokens: OAuthTokens): boolean {
  const current = summaryOf(tokens);
  return (
    summary.expiresAt === current.expiresAt &&
    summary.issuedAt === current.issuedAt &&
    summary.refreshable === current.refreshable &&
    summary.scope === current.scope
  );
}
