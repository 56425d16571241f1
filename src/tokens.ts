import { OAuthError } from './errors.js';

/**
 * Tokens as the session keeps them. They live only server-side, in the session store: never in a
 * URL, a page, a cookie or a log line.
 */
export interface OAuthTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  readonly expiresAt?: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly scope?: string;
}

/** The fields of a token endpoint response the middleware keeps. */
export interface TokenResponseFields {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/**
 * Converts a validated token response; on refresh, a provider that does not rotate the refresh
 * token (or does not repeat the ID token or scope) keeps the previous ones.
 */
export function tokensFromResponse(
  response: TokenResponseFields,
  now: number,
  previous?: OAuthTokens,
): OAuthTokens {
  const tokens: { -readonly [K in keyof OAuthTokens]: OAuthTokens[K] } = {
    accessToken: response.access_token,
    tokenType: response.token_type ?? 'bearer',
  };
  if (typeof response.expires_in === 'number') tokens.expiresAt = now + response.expires_in * 1000;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  const scope = response.scope ?? previous?.scope;
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  if (idToken !== undefined) tokens.idToken = idToken;
  if (scope !== undefined) tokens.scope = scope;
  return tokens;
}

/** The refresh token, or the error that sends the user to log in again when there is none. */
export function requireRefreshToken(tokens: OAuthTokens): string {
  if (tokens.refreshToken === undefined) {
    throw new OAuthError('the access token expired and there is no refresh token; log in again', {
      code: 'OAUTH_LOGIN_REQUIRED',
    });
  }
  return tokens.refreshToken;
}

/** Whether the access token is expired, or will be within `leewayMs`. */
export function isExpired(tokens: OAuthTokens, now: number, leewayMs: number): boolean {
  return tokens.expiresAt !== undefined && tokens.expiresAt - leewayMs <= now;
}
