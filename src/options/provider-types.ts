import type { Request } from 'express';
import type { OAuthAdapter } from '../providers/adapter.js';
import type { OAuthClientCertificate } from './client-certificate.js';
import type { OAuthClientKey } from './client-keys.js';
import type { OAuthAllowRules } from './policy-types.js';
import type { OAuthMapUser, OAuthProfileContext } from './profile-types.js';
import type { OAuthQuirks } from './quirk-types.js';
import type { OAuthFetch } from './types.js';

/**
 * The options of one provider, as applications write them: OpenID Connect by discovery, plain
 * OAuth 2.0 with explicit endpoints, or a custom adapter. options/provider.ts validates them.
 */

/**
 * Authorization request parameters added to the provider redirect (`prompt`, `login_hint`, ...).
 */
export type OAuthAuthorizationParams = Readonly<Record<string, string>>;

interface OAuthProviderCommon {
  /** Shown on the provider chooser page. Default: the provider's name. */
  label?: string;
  /**
   * The client identifier the provider issued at registration.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.2
   */
  clientId: string;
  /** Omit only with `tokenEndpointAuthMethod: 'none'` (public client). */
  clientSecret?: string;
  /**
   * Space-separated scopes to ask for. Default `'openid profile email'` for OpenID Connect (the
   * ID token and the usual profile claims), `''` (none sent) for plain OAuth 2.0.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
   */
  scope?: string;
  /**
   * How the client authenticates at the token endpoint (and at PAR, revocation and
   * introspection). Default `'client_secret_basic'` with a `clientSecret`, `'private_key_jwt'`
   * with a `clientPrivateKey`, `'none'` (a public client, protected by PKCE) with neither.
   * `'private_key_jwt'` signs a client assertion with `clientPrivateKey` (no shared secret, as
   * FAPI 2.0 asks); `'client_secret_jwt'` signs one with `clientSecret`. `'tls_client_auth'`
   * (a certificate issued by a CA the provider trusts) and `'self_signed_tls_client_auth'` (a
   * certificate registered with the provider) authenticate with `clientCertificate` on the TLS
   * connection itself; `'tls_client_auth'` is the default with a `clientCertificate` alone.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
   * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
   * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
   * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
   */
  tokenEndpointAuthMethod?:
    | 'client_secret_basic'
    | 'client_secret_post'
    | 'client_secret_jwt'
    | 'private_key_jwt'
    | 'tls_client_auth'
    | 'self_signed_tls_client_auth'
    | 'none';
  /**
   * The client's TLS certificate and key (RFC 8705), presented on every connection to the
   * provider (discovery, PAR, token, refresh, userinfo, revocation, introspection, JWKS) and to
   * resource servers through `req.oauth.fetch()`; the provider's `mtls_endpoint_aliases` are
   * used when its metadata has them. Needed by `tls_client_auth` and
   * `self_signed_tls_client_auth`; with `private_key_jwt` it still makes certificate-bound
   * access tokens (RFC 8705 §3) possible. Checked at creation: the certificate must parse and the
   * key must be its own.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8705
   */
  clientCertificate?: OAuthClientCertificate;
  /**
   * The client's private key for `private_key_jwt` (and signed request objects): a private JWK,
   * a PKCS#8 PEM string, a `KeyObject`, or `{ key, alg, kid }`; RS256, PS256 or ES256. Several
   * for rotation: the first signs, and every one is published at the JWKS route
   * (`routes.jwks`) for the provider to fetch as the client's `jwks_uri`.
   *
   * @example
   * ```ts
   * clientPrivateKey: [
   *   { key: process.env.CLIENT_KEY_2026_PEM!, alg: 'PS256', kid: '2026-12' },
   *   { key: process.env.CLIENT_KEY_2026_06_PEM!, alg: 'PS256', kid: '2026-06' },
   * ],
   * ```
   */
  clientPrivateKey?: OAuthClientKey | readonly OAuthClientKey[];
  /**
   * Extra authorization request parameters: an object checked at creation, or a function of the
   * request checked at each login. Parameters that protect the flow (`state`, `nonce`, `scope`,
   * `redirect_uri`, `code_challenge`, ...) are refused.
   *
   * @example
   * ```ts
   * authorizationParams: (req) => ({
   *   prompt: 'login',
   *   ui_locales: req.acceptsLanguages()[0] ?? 'en',
   * }),
   * ```
   */
  authorizationParams?: OAuthAuthorizationParams | ((req: Request) => OAuthAuthorizationParams);
  /** How this provider departs from the standard. Default: none; presets set their own. */
  quirks?: OAuthQuirks;
  /**
   * Maps the profile (or ID token claims) to `req.oauthUser`. Default: `sub` (or `id`,
   * `user_id`), `name`, `email`, `email_verified`, `picture`.
   */
  mapUser?: OAuthMapUser;
  /** Accept `http://` endpoints off loopback. Default `false`; never in production. */
  allowInsecureHttp?: boolean;
  /** Who may sign in with this provider, on top of the top-level `allow`. */
  allow?: OAuthAllowRules;
  /**
   * The `fetch` this provider's requests go through (a proxy, a CA bundle only this provider
   * needs); the middleware's `fetch` option applies without it.
   */
  fetch?: OAuthFetch;
}

/** An OpenID Connect provider found by discovery. */
export interface OAuthOidcProvider extends OAuthProviderCommon {
  /** Selects OpenID Connect. Default `'oidc'`, so it can be left out. */
  type?: 'oidc';
  /**
   * The issuer identifier; its `/.well-known/openid-configuration` is fetched on first use.
   *
   * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
   */
  issuer: string | URL;
  /**
   * Also fetch the userinfo endpoint at sign-in and merge its claims over the ID token's.
   * Default `false`: the ID token usually carries enough, and it saves a request.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
   */
  fetchUserInfo?: boolean;
  /**
   * Verify the ID token's signature against the provider's JWKS. Default `true`; the claims
   * (`iss`, `aud`, `exp`, `iat`, `nonce`) are checked either way.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
   */
  verifyIdTokenSignature?: boolean;
  /**
   * Push the authorization request to the provider first (RFC 9126), so the browser carries only
   * `client_id` and `request_uri`. Default: on when the provider's metadata says
   * `require_pushed_authorization_requests`, off otherwise.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9126
   */
  pushedAuthorizationRequests?: boolean;
  /**
   * How the provider sends the browser back: `'query'` (a GET with the code in the URL) or
   * `'form_post'` (an auto-submitted cross-site POST, which some providers require, for example
   * to post the user's name on the first sign-in). The callback then accepts POST for this
   * provider only, with the same checks, and its pending-login cookie is `SameSite=None; Secure`
   * (a plain-http `baseURL`, for local development, leaves `SameSite` out). Default: `'form_post'`
   * when the provider's `response_modes_supported` offers only that, `'query'` otherwise.
   *
   * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html
   */
  responseMode?: 'query' | 'form_post';
  /**
   * Send the authorization request as a request object signed with `clientPrivateKey` (RFC
   * 9101), by value or, with pushed authorization requests, inside the pushed request.
   * Default `false`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9101
   */
  requestObjects?: boolean;
  /**
   * Sender-constrain the sign-in's tokens with DPoP (RFC 9449). Each sign-in gets its own key pair
   * at the code exchange (ES256 unless the provider's `dpop_signing_alg_values_supported` rules it
   * out), kept server-side in the session with the tokens, never in a cookie. The code exchange,
   * every refresh, userinfo and `req.oauth.fetch()` send a proof signed with it, answering the
   * provider's or the API's `DPoP-Nonce` challenge once. A token response that is not DPoP-bound
   * is refused (`OAUTH_TOKEN_NOT_SENDER_CONSTRAINED`), and `req.oauth.getAccessToken()` throws
   * `OAUTH_DPOP_PROOF_REQUIRED`: a bound token is useless without a proof, so call APIs with
   * `req.oauth.fetch()`. Default `false`.
   *
   * @example
   * ```ts
   * oauthMiddleware({ issuer: 'https://bank.example', clientId, clientPrivateKey, dpop: true, baseURL });
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
   */
  dpop?: boolean;
  /**
   * A security profile enforced when the middleware is created. `'fapi2'`: the FAPI 2.0
   * Security Profile for clients: `private_key_jwt` or mTLS client authentication and no client
   * secret, pushed authorization requests, sender-constrained tokens (`dpop: true` or a
   * `clientCertificate`), PS256 or ES256 only, RFC 9207 `iss` required in every authorization
   * response, and an https issuer. Each weaker setting throws a `TypeError` naming the rule and
   * its section of the profile (see docs/high-assurance.md).
   *
   * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3.3
   */
  profile?: 'fapi2';
  /**
   * With `profile: 'fapi2'`: accept an `http://` issuer on loopback, which the profile refuses.
   * For test suites only; default `false`.
   */
  allowLoopbackHttpInTests?: boolean;
}

/** A plain OAuth 2.0 provider with explicit endpoints and no ID token. */
export interface OAuthOAuth2Provider extends OAuthProviderCommon {
  /** Selects plain OAuth 2.0 with the endpoints below. */
  type: 'oauth2';
  /**
   * Where the browser is sent to log in.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
   */
  authorizationEndpoint: string | URL;
  /**
   * Where the code is exchanged for tokens, server to server.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
   */
  tokenEndpoint: string | URL;
  /** GET with the access token as Bearer; its JSON is the user's profile. */
  profileEndpoint?: string | URL;
  /** Fetch the profile another way (instead of `profileEndpoint`). */
  fetchProfile?: (context: OAuthProfileContext) => Promise<Record<string, unknown>>;
  /**
   * The provider's issuer identifier, when it has one (checked against RFC 9207 `iss`). Default:
   * the token endpoint's origin.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9207
   */
  issuer?: string | URL;
  /**
   * Send PKCE S256. Default `true`; a provider that rejects unknown parameters may need `false`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7636
   */
  pkce?: boolean;
  /**
   * The provider's token revocation endpoint, when it has one: tokens are revoked there when a
   * session ends (`revokeOnLogout`).
   *
   * @see https://www.rfc-editor.org/rfc/rfc7009
   */
  revocationEndpoint?: string | URL;
}

/** A provider spoken to through an {@link OAuthAdapter}. */
export interface OAuthCustomProvider {
  /** Selects a custom adapter. */
  type: 'custom';
  /** Shown on the provider chooser page. Default: the provider's name. */
  label?: string;
  /** Speaks to the provider; the middleware keeps `state`, the session and the error pages. */
  adapter: OAuthAdapter;
  /** Maps the adapter's profile to `req.oauthUser`. Default: as for the other providers. */
  mapUser?: OAuthMapUser;
  /** Scopes handed to the adapter as the `scope` parameter. Default `''` (none). */
  scope?: string;
  /** Extra parameters handed to `adapter.authorizationUrl()`; the protected ones are refused. */
  authorizationParams?: OAuthAuthorizationParams | ((req: Request) => OAuthAuthorizationParams);
  /** Accept `http://` endpoints off loopback. Default `false`; never in production. */
  allowInsecureHttp?: boolean;
  /** Who may sign in with this provider, on top of the top-level `allow`. */
  allow?: OAuthAllowRules;
  /**
   * The `fetch` this provider's requests go through (a proxy, a CA bundle only this provider
   * needs); the middleware's `fetch` option applies without it.
   */
  fetch?: OAuthFetch;
}

/** One provider's options: OpenID Connect (default), plain OAuth 2.0, or a custom adapter. */
export type OAuthProviderOptions = OAuthOidcProvider | OAuthOAuth2Provider | OAuthCustomProvider;
