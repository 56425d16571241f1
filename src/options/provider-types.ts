import type { Request } from 'express';
import type { OAuthAdapter, OAuthProviderHttp } from '../providers/adapter.js';

/**
 * The options of one provider, as applications write them: OpenID Connect by discovery, plain
 * OAuth 2.0 with explicit endpoints, or a custom adapter. options/provider.ts validates them.
 */

/** Authorization request parameters added to the provider redirect (`prompt`, `login_hint`, ...). */
export type OAuthAuthorizationParams = Readonly<Record<string, string>>;

/** What `mapUser` returns: the fields of `req.oauthUser` (the raw profile is kept as `claims`). */
export interface OAuthUserProfile {
  sub: string | number;
  name?: string | undefined;
  email?: string | undefined;
  emailVerified?: boolean | undefined;
  picture?: string | undefined;
}

/** Maps a provider's profile (or ID token claims) to the user. */
export type OAuthMapUser = (profile: Readonly<Record<string, unknown>>) => OAuthUserProfile;

/** What a custom `fetchProfile` of a plain OAuth 2.0 provider is given: the token, and HTTP. */
export interface OAuthProfileContext extends OAuthProviderHttp {
  readonly accessToken: string;
}

/**
 * The ways real providers depart from the standard, as data: a preset sets the few its provider
 * needs, and any other provider can set them too.
 */
export interface OAuthQuirks {
  /** Encoding of the token request body. Default `'form'` (RFC 6749); some APIs want `'json'`. */
  tokenRequestFormat?: 'form' | 'json';
  /** Send `grant_type` in the code exchange. Default `true`. */
  sendGrantType?: boolean;
  /** Send `redirect_uri` in the code exchange. Default `true`. */
  sendRedirectUri?: boolean;
  /** Separator between scopes in the authorization request. Default `' '`. */
  scopeSeparator?: string;
  /** Extra parameters of every token request. */
  tokenParams?: Readonly<Record<string, string>>;
  /** Non-standard error codes mapped to standard ones, e.g. `{ invalid_code: 'invalid_grant' }`. */
  errorCodes?: Readonly<Record<string, string>>;
  /** Use `expires_at` (epoch seconds) of the token response over `expires_in`. Default `false`. */
  preferExpiresAt?: boolean;
  /**
   * How the client id and secret are encoded in `client_secret_basic`. Default
   * `'form-urlencoded'`, as RFC 6749 §2.3.1 says: each is form-urlencoded before Base64, so
   * `my-app` is sent as `my%2Dapp`. `'plain'` sends them as they are (RFC 7617), for providers
   * that do not decode them. Symptom that calls for `'plain'`: the token endpoint answers
   * `invalid_client` for a client id or secret that contains `-`, `_`, `.`, `!`, `~`, `*`, `'`,
   * `(`, `)` or a space, while the same credentials work with `client_secret_post`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
   */
  basicAuthEncoding?: 'form-urlencoded' | 'plain';
}

interface OAuthProviderCommon {
  /** Shown on the provider chooser page. Default: the provider's name. */
  label?: string;
  clientId: string;
  /** Omit only with `tokenEndpointAuthMethod: 'none'` (public client). */
  clientSecret?: string;
  scope?: string;
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  authorizationParams?: OAuthAuthorizationParams | ((req: Request) => OAuthAuthorizationParams);
  quirks?: OAuthQuirks;
  mapUser?: OAuthMapUser;
  /** Accept `http://` endpoints off loopback. Default `false`; never in production. */
  allowInsecureHttp?: boolean;
}

/** An OpenID Connect provider found by discovery. */
export interface OAuthOidcProvider extends OAuthProviderCommon {
  type?: 'oidc';
  issuer: string | URL;
  fetchUserInfo?: boolean;
  verifyIdTokenSignature?: boolean;
}

/** A plain OAuth 2.0 provider with explicit endpoints and no ID token. */
export interface OAuthOAuth2Provider extends OAuthProviderCommon {
  type: 'oauth2';
  authorizationEndpoint: string | URL;
  tokenEndpoint: string | URL;
  /** GET with the access token as Bearer; its JSON is the user's profile. */
  profileEndpoint?: string | URL;
  /** Fetch the profile another way (instead of `profileEndpoint`). */
  fetchProfile?: (context: OAuthProfileContext) => Promise<Record<string, unknown>>;
  /** The provider's issuer identifier, when it has one (checked against RFC 9207 `iss`). */
  issuer?: string | URL;
  /** Send PKCE S256. Default `true`; a provider that rejects unknown parameters may need `false`. */
  pkce?: boolean;
}

/** A provider spoken to through an {@link OAuthAdapter}. */
export interface OAuthCustomProvider {
  type: 'custom';
  label?: string;
  adapter: OAuthAdapter;
  mapUser?: OAuthMapUser;
  scope?: string;
  authorizationParams?: OAuthAuthorizationParams | ((req: Request) => OAuthAuthorizationParams);
  allowInsecureHttp?: boolean;
}

/** One provider's options: OpenID Connect (default), plain OAuth 2.0, or a custom adapter. */
export type OAuthProviderOptions = OAuthOidcProvider | OAuthOAuth2Provider | OAuthCustomProvider;
