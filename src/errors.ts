/**
 * Every failure of a login, callback, logout or token operation is one {@link OAuthError} with a
 * stable {@link OAuthErrorCode}: applications branch on `err.code`, never on the message.
 */

/**
 * The stable error codes, with the HTTP status each one answers with.
 *
 * @example
 * ```ts
 * if (err instanceof OAuthError && err.code === OAuthErrorCodes.ACCESS_DENIED) { ... }
 * ```
 */
export const OAuthErrorCodes = {
  /** The browser sent a malformed callback: duplicated, array-valued or oversized parameters. */
  INVALID_CALLBACK: 'OAUTH_INVALID_CALLBACK',
  /**
   * A route was called with a method it does not accept (the callback is GET only, logout POST
   * only).
   */
  METHOD_NOT_ALLOWED: 'OAUTH_METHOD_NOT_ALLOWED',
  /** The callback carries no `state`. */
  STATE_MISSING: 'OAUTH_STATE_MISSING',
  /**
   * The callback arrived while no login was pending in this browser session (login CSRF, or an old
   * tab).
   */
  NO_TRANSACTION: 'OAUTH_NO_TRANSACTION',
  /** The callback's `state` matches none of the logins pending in this browser session. */
  STATE_MISMATCH: 'OAUTH_STATE_MISMATCH',
  /** The pending login is older than `transactionMaxAge`. */
  TRANSACTION_EXPIRED: 'OAUTH_TRANSACTION_EXPIRED',
  /** The user (or the provider) refused the authorization: `error=access_denied`. */
  ACCESS_DENIED: 'OAUTH_ACCESS_DENIED',
  /**
   * The provider ended the authorization with another `error` (kept on the error with its
   * description).
   */
  AUTHORIZATION_ERROR: 'OAUTH_AUTHORIZATION_ERROR',
  /**
   * A provider endpoint answered with an OAuth error (`error`, `error_description` are kept on the
   * error).
   */
  PROVIDER_ERROR: 'OAUTH_PROVIDER_ERROR',
  /**
   * The authorization code, or the refresh token, was refused by the provider (`invalid_grant`).
   */
  INVALID_GRANT: 'OAUTH_INVALID_GRANT',
  /**
   * The provider refused the application's own client credentials at the token endpoint
   * (`invalid_client`, `unauthorized_client`, or HTTP 401): a configuration problem of the
   * application (`clientId`, `clientSecret`, `tokenEndpointAuthMethod`), not of the user.
   */
  CLIENT_REJECTED: 'OAUTH_CLIENT_REJECTED',
  /** The provider's response failed validation: an unexpected shape, claim, signature or issuer. */
  INVALID_RESPONSE: 'OAUTH_INVALID_RESPONSE',
  /**
   * The ID token failed validation: signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` or `sub`.
   */
  ID_TOKEN_INVALID: 'OAUTH_ID_TOKEN_INVALID',
  /** The response came from another issuer than the one configured (RFC 9207 mix-up defence). */
  ISSUER_MISMATCH: 'OAUTH_ISSUER_MISMATCH',
  /** The provider could not be reached, or answered with a server error. */
  PROVIDER_UNAVAILABLE: 'OAUTH_PROVIDER_UNAVAILABLE',
  /** The provider did not answer within `timeout`. */
  PROVIDER_TIMEOUT: 'OAUTH_PROVIDER_TIMEOUT',
  /** The provider is rate limiting the application (HTTP 429); `retryAfter` says for how long. */
  RATE_LIMITED: 'OAUTH_RATE_LIMITED',
  /** The request needs a signed-in user and there is none (or the session's tokens expired). */
  LOGIN_REQUIRED: 'OAUTH_LOGIN_REQUIRED',
  /**
   * The application refused this sign-in: an `allow` rule failed, or `onSignIn` refused it. No
   * session was written and the tokens just issued were revoked.
   */
  SIGN_IN_REFUSED: 'OAUTH_SIGN_IN_REFUSED',
  /**
   * The sign-in is not strong or recent enough for the route (`requireAuth({ acr, maxAge })`), and
   * the provider did not deliver the level asked for. API requests get 401 with the RFC 9470
   * challenge (`insufficient_user_authentication`).
   */
  INSUFFICIENT_AUTHENTICATION: 'OAUTH_INSUFFICIENT_AUTHENTICATION',
  /** The signed-in user lacks a scope or claim that `requireAuth()` asked for. */
  FORBIDDEN: 'OAUTH_FORBIDDEN',
  /** A state-changing request came from another site (logout is protected against CSRF). */
  CROSS_SITE_REQUEST: 'OAUTH_CROSS_SITE_REQUEST',
  /** A refreshed ID token or a userinfo response names another user than the session's. */
  SUBJECT_MISMATCH: 'OAUTH_SUBJECT_MISMATCH',
  /** express-session (or a compatible `req.session`) is not mounted before `oauthMiddleware()`. */
  SESSION_MISSING: 'OAUTH_SESSION_MISSING',
  /** The session store failed to save, regenerate or destroy the session. */
  SESSION_ERROR: 'OAUTH_SESSION_ERROR',
  /**
   * The session store did not answer within `storeTimeout` (503, with `Retry-After`). Nothing in
   * the session was cleared, and the browser keeps its session cookie.
   */
  STORE_UNAVAILABLE: 'OAUTH_STORE_UNAVAILABLE',
  /**
   * The token endpoint rejected the server's own credentials (token client); not retried until the
   * cool-down.
   */
  CREDENTIALS_REJECTED: 'OAUTH_CREDENTIALS_REJECTED',
  /** An unexpected failure inside the middleware; the cause is logged, never shown. */
  INTERNAL_ERROR: 'OAUTH_INTERNAL_ERROR',
  /** A back-channel logout token failed validation (answered 400, as the specification asks). */
  LOGOUT_TOKEN_INVALID: 'OAUTH_LOGOUT_TOKEN_INVALID',
  /** A route named a provider that is not configured. */
  UNKNOWN_PROVIDER: 'OAUTH_UNKNOWN_PROVIDER',
  /**
   * Providers per tenant: the callback completes a login started on another tenant (refused
   * before any token request).
   */
  TENANT_MISMATCH: 'OAUTH_TENANT_MISMATCH',
  /** Providers per tenant: the resolver found no tenant for this request (it returned nothing). */
  UNKNOWN_TENANT: 'OAUTH_UNKNOWN_TENANT',
  /**
   * Providers per tenant: the resolver threw, or returned a configuration that fails the checks
   * `oauthMiddleware()` makes at creation; `cause` holds its error (a `TypeError` with its `code`).
   */
  TENANT_UNAVAILABLE: 'OAUTH_TENANT_UNAVAILABLE',
  /**
   * `requireBearer()`: the access token is malformed, expired, revoked, for another audience or
   * issuer, badly signed, or sent with the wrong scheme (`invalid_token`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
   */
  INVALID_TOKEN: 'OAUTH_INVALID_TOKEN',
  /**
   * `requireBearer()`: the access token lacks a scope the route requires (`insufficient_scope`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
   */
  INSUFFICIENT_SCOPE: 'OAUTH_INSUFFICIENT_SCOPE',
  /**
   * `requireBearer()`: the request carries its credentials in a way that is refused: a token in
   * the query string or the body, several `Authorization` or `DPoP` headers, or a malformed one
   * (`invalid_request`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
   */
  INVALID_REQUEST: 'OAUTH_INVALID_REQUEST',
  /**
   * `requireBearer()`: the DPoP proof is missing, malformed, replayed, stale, for another URL or
   * method, or made with another key than the token is bound to (`invalid_dpop_proof`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
   */
  INVALID_DPOP_PROOF: 'OAUTH_INVALID_DPOP_PROOF',
  /**
   * `requireBearer()` with `dpop.nonce`: the proof must carry the server's current nonce, sent in
   * the `DPoP-Nonce` header of this answer (`use_dpop_nonce`); retry with it.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
   */
  USE_DPOP_NONCE: 'OAUTH_USE_DPOP_NONCE',
  /**
   * A provider with `dpop: true` issued a token that is not DPoP-bound (`token_type` is not
   * `DPoP`), or bound to another key than the sign-in's (a JWT access token whose `cnf.jkt` names
   * another key). No session is written; after a refresh, the session ends.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
   */
  TOKEN_NOT_SENDER_CONSTRAINED: 'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED',
  /**
   * The provider or an API asked for a new DPoP nonce (`use_dpop_nonce`) again, right after the
   * one retry that carried the nonce it asked for; the request is not tried a third time.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
   */
  DPOP_NONCE_LOOP: 'OAUTH_DPOP_NONCE_LOOP',
  /**
   * `req.oauth.getAccessToken()` on a DPoP-bound token: the token is useless without a proof made
   * with the session's key, which never leaves the server. Call the API with `req.oauth.fetch()`,
   * which attaches the proof.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
   */
  DPOP_PROOF_REQUIRED: 'OAUTH_DPOP_PROOF_REQUIRED',
} as const;

/** One of the values of {@link OAuthErrorCodes}. */
export type OAuthErrorCode = (typeof OAuthErrorCodes)[keyof typeof OAuthErrorCodes];

/** The HTTP status each code answers with when rendered. */
export const OAUTH_ERROR_STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  OAUTH_INVALID_CALLBACK: 400,
  OAUTH_METHOD_NOT_ALLOWED: 405,
  OAUTH_STATE_MISSING: 400,
  OAUTH_NO_TRANSACTION: 400,
  OAUTH_STATE_MISMATCH: 400,
  OAUTH_TRANSACTION_EXPIRED: 400,
  OAUTH_ACCESS_DENIED: 403,
  OAUTH_AUTHORIZATION_ERROR: 400,
  OAUTH_PROVIDER_ERROR: 502,
  OAUTH_INVALID_GRANT: 400,
  OAUTH_CLIENT_REJECTED: 500,
  OAUTH_INVALID_RESPONSE: 502,
  OAUTH_ID_TOKEN_INVALID: 502,
  OAUTH_ISSUER_MISMATCH: 400,
  OAUTH_PROVIDER_UNAVAILABLE: 503,
  OAUTH_PROVIDER_TIMEOUT: 504,
  OAUTH_RATE_LIMITED: 503,
  OAUTH_LOGIN_REQUIRED: 401,
  OAUTH_SIGN_IN_REFUSED: 403,
  OAUTH_INSUFFICIENT_AUTHENTICATION: 403,
  OAUTH_FORBIDDEN: 403,
  OAUTH_CROSS_SITE_REQUEST: 403,
  OAUTH_SUBJECT_MISMATCH: 401,
  OAUTH_SESSION_MISSING: 500,
  OAUTH_SESSION_ERROR: 500,
  OAUTH_STORE_UNAVAILABLE: 503,
  OAUTH_CREDENTIALS_REJECTED: 503,
  OAUTH_INTERNAL_ERROR: 500,
  OAUTH_LOGOUT_TOKEN_INVALID: 400,
  OAUTH_UNKNOWN_PROVIDER: 404,
  OAUTH_TENANT_MISMATCH: 400,
  OAUTH_UNKNOWN_TENANT: 404,
  OAUTH_TENANT_UNAVAILABLE: 500,
  OAUTH_INVALID_TOKEN: 401,
  OAUTH_INSUFFICIENT_SCOPE: 403,
  OAUTH_INVALID_REQUEST: 400,
  OAUTH_INVALID_DPOP_PROOF: 401,
  OAUTH_USE_DPOP_NONCE: 401,
  OAUTH_TOKEN_NOT_SENDER_CONSTRAINED: 502,
  OAUTH_DPOP_NONCE_LOOP: 502,
  OAUTH_DPOP_PROOF_REQUIRED: 500,
};

/** Options of {@link OAuthError}. */
export interface OAuthErrorOptions {
  /** The stable code callers branch on; also picks the default `status`. */
  code: OAuthErrorCode;
  /** Defaults to the status of the code in {@link OAUTH_ERROR_STATUS}. */
  status?: number;
  /** The provider's `error` parameter, when the provider sent one. */
  error?: string;
  /** The provider's `error_description`, when the provider sent one. */
  errorDescription?: string;
  /** Seconds after which a rate-limited or unavailable provider may be tried again. */
  retryAfter?: number;
  /** The error that caused this one (a library's, a provider's), kept as `err.cause`. */
  cause?: unknown;
}

/**
 * The one error class for flow failures. Its message is safe to show a developer: it never holds
 * a token, a code or a secret.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof OAuthError && err.code === 'OAUTH_LOGIN_REQUIRED') {
 *     return res.redirect('/login');
 *   }
 *   next(err);
 * });
 * ```
 */
export class OAuthError extends Error {
  /** Always `'OAuthError'`, so logs and `util.inspect` name the class. */
  override readonly name = 'OAuthError';
  /** The stable code to branch on; see {@link OAuthErrorCodes}. */
  readonly code: OAuthErrorCode;
  /**
   * The HTTP status the error is answered with; by default the code's in {@link
   * OAUTH_ERROR_STATUS}.
   */
  readonly status: number;
  /**
   * The provider's `error` parameter (e.g. `access_denied`, `invalid_grant`), when it sent one.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  readonly error: string | undefined;
  /**
   * The provider's `error_description`, when it sent one: for developers, not end users.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  readonly errorDescription: string | undefined;
  /**
   * Seconds after which a rate-limited or unavailable provider may be tried again, from its
   * `Retry-After` header.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
   */
  readonly retryAfter: number | undefined;

  constructor(message: string, options: OAuthErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.status = options.status ?? OAUTH_ERROR_STATUS[options.code];
    this.error = options.error;
    this.errorDescription = options.errorDescription;
    this.retryAfter = options.retryAfter;
  }
}

/** A `TypeError` carrying a Node-style `code`, thrown for setup mistakes at creation time. */
export interface CodedTypeError extends TypeError {
  code: string;
}

export function codedTypeError(message: string, code: string, cause?: unknown): CodedTypeError {
  const err = new TypeError(message, cause === undefined ? undefined : { cause }) as CodedTypeError;
  err.code = code;
  return err;
}
