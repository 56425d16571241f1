import type { OAuthTokens } from '../session/tokens.js';

/** Where an access token stands: usable, usable but due for renewal, or past its expiry. */
export type TokenState = 'valid' | 'due' | 'expired';

/** The part of its lifetime a token may be renewed early at most: half, as the token client does. */
const MAX_LEEWAY_SHARE = 0.5;

/**
 * The one expiry rule. A token is due `leewayMs` before it expires, but never earlier than half
 * its lifetime: a provider whose tokens live 20 s would otherwise have them renewed on every
 * request with the default 30 s leeway. A token without a known expiry is valid until refused.
 */
export function tokenState(
  tokens: Pick<OAuthTokens, 'expiresAt' | 'issuedAt'>,
  now: number,
  leewayMs: number,
): TokenState {
  const { expiresAt, issuedAt } = tokens;
  if (expiresAt === undefined) return 'valid';
  if (expiresAt <= now) return 'expired';
  const lifetime = issuedAt === undefined ? Infinity : Math.max(0, expiresAt - issuedAt);
  const leeway = Math.min(leewayMs, lifetime * MAX_LEEWAY_SHARE);
  return expiresAt - leeway <= now ? 'due' : 'valid';
}

/** What identifies the tokens being renewed: the refresh token, or the access token without one. */
export function renewalKey(tokens: OAuthTokens): string {
  return tokens.refreshToken ?? tokens.accessToken;
}
