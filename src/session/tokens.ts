import type { JWK } from 'jose';

/**
 * A sign-in's DPoP key pair as the session keeps it, next to the tokens bound to it: never in a
 * cookie, a page, a hook or a log line.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2
 */
export interface OAuthDPoPKey {
  /** The JWS algorithm its proofs are signed with, e.g. `ES256`. */
  readonly alg: string;
  /** The private key as a JWK; its public half is derived from it. */
  readonly jwk: JWK;
}

/**
 * Tokens as the session keeps them. They live only server-side, in the session store: never in a
 * page, a cookie or a log line. (They do appear in two URLs: the ID token as `id_token_hint` in
 * the provider's end-session URL at logout, and ALGOGENE's access token in its own redirect.)
 */
export interface OAuthTokens {
  /**
   * The access token, to send to the provider's APIs as `Authorization: <tokenType> <token>`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
   */
  readonly accessToken: string;
  /**
   * Lower case, as RFC 6749 §5.1 compares it case-insensitively: `bearer`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
   */
  readonly tokenType: string;
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  readonly expiresAt?: number;
  /** Epoch milliseconds at which the access token was requested, when it has an expiry. */
  readonly issuedAt?: number;
  /**
   * The refresh token, when the provider issued one; kept from the previous response when a
   * refresh does not rotate it.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  readonly refreshToken?: string;
  /**
   * The ID token (a JWT) from an OpenID Connect provider; sent as `id_token_hint` at logout.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
   */
  readonly idToken?: string;
  /**
   * The granted scope, space-separated, when the provider said; it may be narrower than asked.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
   */
  readonly scope?: string;
  /**
   * With a provider's `dpop: true`: the sign-in's own DPoP key pair, made at the code exchange,
   * which the access and refresh tokens are bound to; every refresh and API call signs its proof
   * with it. Kept with the tokens so that whatever protects them protects it too.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  readonly dpopKey?: OAuthDPoPKey;
}

/** A token response in the package's terms, whichever kind of provider gave it. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly tokenType?: string | undefined;
  /** Seconds. */
  readonly expiresIn?: number | undefined;
  readonly refreshToken?: string | undefined;
  readonly idToken?: string | undefined;
  readonly scope?: string | undefined;
}

/**
 * The one conversion of a token response into what the session keeps. On refresh, a provider that
 * does not rotate the refresh token (or does not repeat the ID token or scope) keeps the previous
 * ones. `now` is when the token was requested: its lifetime counts from then.
 */
export function tokensFromResponse(
  response: IssuedTokens,
  now: number,
  previous?: OAuthTokens,
): OAuthTokens {
  const tokens: { -readonly [K in keyof OAuthTokens]: OAuthTokens[K] } = {
    accessToken: response.accessToken,
    tokenType: (response.tokenType ?? 'bearer').toLowerCase(),
  };
  if (typeof response.expiresIn === 'number' && Number.isFinite(response.expiresIn)) {
    tokens.expiresAt = now + response.expiresIn * 1000;
    tokens.issuedAt = now;
  }
  const refreshToken = response.refreshToken ?? previous?.refreshToken;
  const idToken = response.idToken ?? previous?.idToken;
  const scope = response.scope ?? previous?.scope;
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  if (idToken !== undefined) tokens.idToken = idToken;
  if (scope !== undefined) tokens.scope = scope;
  // RFC 9449 §5: a refresh keeps the key the tokens are bound to.
  if (previous?.dpopKey !== undefined) tokens.dpopKey = previous.dpopKey;
  return tokens;
}
