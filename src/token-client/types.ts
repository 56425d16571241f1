import type { OAuthClientCertificate } from '../options/client-certificate.js';
import type { OAuthClientKey } from '../options/client-keys.js';

/**
 * What a provider means beyond the RFCs. A preset such as {@link algoreg} fills these in; set them
 * yourself only for a provider that has none. Every list is matched against the JSON `error` of
 * the provider's answer.
 */
export interface OAuthTokenClientQuirks {
  /**
   * The provider's own `error` values for "these credentials are wrong", whatever the status (a
   * 4xx from an API called with HTTP Basic): the client makes no further attempt until
   * `credentialsCooldown` has passed. RFC 6749 §5.2's `invalid_grant`, `invalid_client` and
   * `unauthorized_client` and any 401 or 403 from the token endpoint, and any 401 from an API
   * called with HTTP Basic, always count. Default: none.
   */
  credentialsErrors?: readonly string[];
  /**
   * The provider's `error` values for "this account is locked": a credentials rejection whose
   * message says the account must be unlocked, not the password fixed. Default: none.
   */
  lockedErrors?: readonly string[];
  /** How a locked account gets unlocked, quoted in the error message. Default: none. */
  unlockHint?: string;
  /**
   * Seconds a token lives when the token response has no `expires_in`. Default: none, and such a
   * token is kept until the API refuses it. Not with grant `'basic'`, which has no token.
   */
  defaultExpiresIn?: number;
}

/** Options every kind of token client shares. */
export interface OAuthTokenClientBaseOptions {
  /**
   * Seconds during which no new attempt is made after the provider refused the credentials: every
   * call fails at once with the same `OAUTH_CREDENTIALS_REJECTED` error. Default `900`.
   * `Infinity`: never again with this client (create a new one with fixed credentials). `0` turns
   * the protection off and may get the account locked.
   */
  credentialsCooldown?: number;
  /**
   * Refusals of the credentials in a row after which the client stops sending them: every call
   * then fails at once with `OAUTH_CREDENTIALS_REJECTED`, without a request, until
   * `client.resetCredentials()` is called (or a new client is created with fixed credentials). A
   * cool-down only spaces the attempts out; this bounds them, for a provider that locks the
   * account after a number of wrong passwords: set it below that number. Accepted credentials
   * start the count again. Default `Infinity` (no limit: one attempt per cool-down); the
   * {@link algoreg} preset sets `3`, below the 5 that lock an Algoreg account.
   *
   * @example
   * ```ts
   * maxCredentialsRejections: 3,
   * ```
   */
  maxCredentialsRejections?: number;
  /**
   * The API's base URL. Relative URLs given to `client.fetch()` resolve against it (as
   * `new URL(url, apiBaseURL)`), and credentials are then sent to its origin only.
   */
  apiBaseURL?: string | URL;
  /**
   * Accept `http://` token endpoints and API URLs off loopback. Default `false`; never in
   * production.
   */
  allowInsecureHttp?: boolean;
  /** The `fetch` used for the token endpoint and the API. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** What the provider's errors mean beyond the RFCs; see {@link OAuthTokenClientQuirks}. */
  quirks?: Omit<OAuthTokenClientQuirks, 'defaultExpiresIn'>;
}

/** Options shared by the grants that ask a token endpoint for a Bearer token. */
export interface OAuthTokenGrantBaseOptions extends OAuthTokenClientBaseOptions {
  /**
   * The token endpoint's URL, e.g. `https://auth.example.com/oauth/token`. No discovery is made.
   */
  tokenEndpoint: string | URL;
  /** Space-separated scopes to ask for. Default: none sent. */
  scope?: string;
  /** Extra parameters of every token request, e.g. `{ audience: 'https://api.example.com' }`. */
  tokenParams?: Readonly<Record<string, string>>;
  /**
   * How the token request body is encoded: `'form'` (`application/x-www-form-urlencoded`, as
   * RFC 6749 §4.3 and §4.4 ask) or `'json'` (the same parameters as one JSON object, for a provider
   * that reads nothing else, e.g. Algoreg, whose {@link algoreg} preset sets it). Default `'form'`.
   */
  tokenRequestFormat?: 'json' | 'form';
  /** Milliseconds a token request may take. Default `10000`. */
  timeout?: number;
  /**
   * Bytes a token response may have; a larger one is cancelled as soon as it passes the limit and
   * the request fails with `OAUTH_INVALID_RESPONSE`. Default `1048576` (1 MiB), at least `1024`.
   */
  maxResponseBytes?: number;
  /**
   * Seconds before its expiry at which the token is renewed (at most half its lifetime). Default
   * `60`.
   */
  refreshLeeway?: number;
  /** What the provider's answers mean beyond the RFCs; see {@link OAuthTokenClientQuirks}. */
  quirks?: OAuthTokenClientQuirks;
  /**
   * The client's private key for `'private_key_jwt'`: a private JWK, a PKCS#8 PEM string, a
   * `KeyObject`, or `{ key, alg, kid }`; RS256, PS256 or ES256, as the middleware's option of the
   * same name. Several for rotation: the first signs. The provider knows the public half from the
   * client's registration (its `jwks` or `jwks_uri`). Alone, it selects `'private_key_jwt'`.
   *
   * @example
   * ```ts
   * clientPrivateKey: { key: process.env.REPORTING_KEY_PEM!, alg: 'PS256', kid: '2026-12' },
   * ```
   * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.2 | RFC 7523 §2.2}
   */
  clientPrivateKey?: OAuthClientKey | readonly OAuthClientKey[];
  /**
   * The `aud` of the client assertions of `'private_key_jwt'` and `'client_secret_jwt'`. Default:
   * the token endpoint's URL, which RFC 7523 §3 lets a provider accept; set the provider's issuer
   * identifier for one that accepts nothing else.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-3 | RFC 7523 §3}
   */
  clientAssertionAudience?: string;
  /**
   * The client's TLS certificate and key (RFC 8705), presented on every connection of the client:
   * the token request, and the API calls of `client.fetch()`, so certificate-bound access tokens
   * (`cnf.x5t#S256`) are accepted there. Needed by `'tls_client_auth'` and
   * `'self_signed_tls_client_auth'`, which it selects when alone; with another method it still
   * binds the tokens to the certificate. Give the token endpoint's mTLS alias
   * (`mtls_endpoint_aliases.token_endpoint`) as `tokenEndpoint` when the provider has one.
   * Checked at creation: the certificate must parse and the key must be its own. An own `fetch`
   * receives the certificate's undici dispatcher as `init.dispatcher` and must pass it on.
   *
   * @example
   * ```ts
   * clientCertificate: {
   *   cert: readFileSync('tls/reporting.pem', 'utf8'),
   *   key: readFileSync('tls/reporting.key', 'utf8'),
   *   ca: readFileSync('tls/bank-ca.pem', 'utf8'),
   * },
   * ```
   * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
   * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
   */
  clientCertificate?: OAuthClientCertificate;
}

/**
 * How a client authenticates at the token endpoint: with its secret (HTTP Basic, in the body, or
 * signing a client assertion with it), with a client assertion signed by its private key, or with
 * its TLS certificate (issued by a CA the provider trusts, or self-signed and registered).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 §2.3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.2 | RFC 7523 §2.2}
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication | OpenID Connect Core §9}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export type OAuthTokenClientAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';

/**
 * The resource owner password grant, for an API that issues tokens to a programmatic user.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.3 | RFC 6749 §4.3}
 */
export interface OAuthPasswordGrantOptions extends OAuthTokenGrantBaseOptions {
  /** Selects the resource owner password grant. */
  grant: 'password';
  /**
   * The programmatic user's name, sent as `username`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
   */
  username: string;
  /**
   * The programmatic user's password, sent as `password`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3.2
   */
  password: string;
  /** Only if the token endpoint wants a client too; Algoreg does not. Never sent when omitted. */
  clientId?: string;
  /**
   * The client's secret, with `clientId`; without it (and without `clientPrivateKey` or
   * `clientCertificate`) the client is public (`none`).
   */
  clientSecret?: string;
  /**
   * How the client, when there is one, authenticates. Default as with grant
   * `'client_credentials'`, except that a `clientId` alone is a public client: `'none'`
   * (`client_id` in the body).
   */
  tokenEndpointAuthMethod?: OAuthTokenClientAuthMethod | 'none';
}

/**
 * The client credentials grant: the application asks for a token on its own behalf.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4}
 */
export interface OAuthClientCredentialsGrantOptions extends OAuthTokenGrantBaseOptions {
  /** Selects the client credentials grant. */
  grant: 'client_credentials';
  /**
   * The client identifier the provider issued to the application.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
   */
  clientId: string;
  /**
   * The client secret the provider issued to the application, for `client_secret_basic`,
   * `client_secret_post` and `client_secret_jwt`. Not needed with `clientPrivateKey` or
   * `clientCertificate`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
   */
  clientSecret?: string;
  /**
   * How the client authenticates at the token endpoint. Default `'client_secret_basic'` with a
   * `clientSecret`, `'private_key_jwt'` with a `clientPrivateKey` alone, `'tls_client_auth'` with
   * a `clientCertificate` alone.
   */
  tokenEndpointAuthMethod?: OAuthTokenClientAuthMethod;
}

/**
 * No token at all: every API request carries `Authorization: Basic` with the user and password.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7617 | RFC 7617}
 */
export interface OAuthBasicAuthOptions extends OAuthTokenClientBaseOptions {
  /** Selects HTTP Basic authentication on every API request, with no token endpoint. */
  grant: 'basic';
  /** Must not contain `:`. */
  username: string;
  /**
   * The password sent with `username` in every request's `Authorization: Basic` header.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
   */
  password: string;
}

/** Options of {@link createTokenClient}, told apart by `grant`. */
export type OAuthTokenClientOptions =
  OAuthPasswordGrantOptions | OAuthClientCredentialsGrantOptions | OAuthBasicAuthOptions;

/** A client that calls an API on behalf of the server itself. */
export interface OAuthTokenClient {
  /** The grant the client was created with: `'password'`, `'client_credentials'` or `'basic'`. */
  readonly grant: OAuthTokenClientOptions['grant'];
  /**
   * The current access token, from the cache or from one token request shared by every
   * concurrent caller. Rejects with an `OAuthError`; with grant `'basic'`, with a `TypeError`
   * (there is no token).
   */
  getAccessToken(): Promise<string>;
  /**
   * The `Authorization` header value to send, `Bearer ...` or `Basic ...`, for other HTTP clients.
   */
  getAuthorizationHeader(): Promise<string>;
  /**
   * `fetch` with the `Authorization` header set. After a 401 from the API, a Bearer client gets a
   * new token and sends the request once more (not when the body is a stream); a second 401 is
   * returned as is. A Basic client that gets a 401 rejects with the credentials error instead.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the cached token, so the next call asks for a new one. */
  invalidate(): void;
  /**
   * Forgets the refusals of the credentials, so the next call sends them again at once: ends the
   * cool-down and, after `maxCredentialsRejections` refusals in a row, the stop. Call it once the
   * cause was fixed at the provider (the account unlocked, the password set back to the one this
   * client sends). Credentials that are wrong in this client's own options need a new client
   * instead. A wait that a `Retry-After` asked for is kept.
   *
   * @example
   * ```ts
   * // An operator's endpoint, after Algoreg's support unlocked the programmatic user:
   * app.post('/admin/algoreg/retry', requireAdmin, (req, res) => {
   *   algoregClient.resetCredentials();
   *   res.sendStatus(204);
   * });
   * ```
   */
  resetCredentials(): void;
}
