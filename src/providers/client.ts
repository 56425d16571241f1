import type { Configuration, ServerMetadata } from 'openid-client';
import type { ResolvedProvider } from '../options/provider.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import type { OAuthTokens } from '../session/tokens.js';
import type { OAuthTransaction } from '../session/transactions.js';
import type { RemoteKeySet } from './issuer-cache.js';
import type { LogoutClaims } from './logout-token.js';
import type { ProviderObserver } from '../observability/provider-observer.js';

/** What a login needs from the middleware to build the provider redirect. */
export interface OAuthAuthorizationRequest {
  readonly state: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * One configured provider, as the routes see it. The routes own state, transactions, returnTo,
 * sessions and errors; a provider only speaks the protocol, so it cannot weaken any of those.
 */
export interface OAuthProviderClient {
  readonly name: string;
  /** The provider's resolved options: label, redirect URI, authorization parameters, ... */
  readonly settings: ResolvedProvider;
  /** Whether logins carry a nonce (an ID token is expected). */
  readonly usesNonce: boolean;
  /**
   * Whether the callback is a standard authorization code response (`code` or `error`, never a
   * token); false for custom adapters, whose providers may break that.
   */
  readonly codeFlow: boolean;
  /** Its HTTP as events and `health()` see it. */
  readonly observer?: ProviderObserver;
  /** The URL to redirect the browser to. Rejects with an OAuthError when the provider is down. */
  authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL>;
  /** Validates the callback and exchanges the code. `state` has already been matched to `transaction`. */
  completeLogin(
    callbackUrl: URL,
    state: string,
    transaction: OAuthTransaction,
  ): Promise<OAuthAuthentication>;
  /**
   * Whether a sign-in can be renewed without the user: it has a refresh token (`hasRefreshToken`,
   * known without decrypting the tokens), or the adapter has a refresh().
   */
  canRefresh(hasRefreshToken: boolean): boolean;
  /**
   * How the provider sends the browser back to the callback; absent: always `'query'`. A
   * `'form_post'` provider's callback is a cross-site POST.
   */
  responseMode?(): Promise<'query' | 'form_post'>;
  /** Renews the tokens; rejects with an OAuthError (`OAUTH_SUBJECT_MISMATCH`, `OAUTH_INVALID_GRANT`, ...). */
  refresh(
    authentication: OAuthAuthentication,
    parameters?: Readonly<Record<string, string>>,
  ): Promise<OAuthAuthentication>;
  /**
   * Calls an API with the access token (RFC 6750 §2.1), or with it and a DPoP proof made with
   * `dpopKey` (RFC 9449 §7, one `use_dpop_nonce` answered), within `timeout` and the plain-http
   * rule. A `WWW-Authenticate` answer rejects with openid-client's `WWWAuthenticateChallengeError`.
   */
  fetchResource(
    token: Pick<OAuthTokens, 'accessToken' | 'tokenType' | 'dpopKey'>,
    url: URL,
    init: RequestInit,
  ): Promise<Response>;
  /** Calls the userinfo endpoint with the access token and checks its `sub`. */
  fetchUserInfo(authentication: OAuthAuthentication): Promise<Record<string, unknown>>;
  /** Fetches what the provider publishes (discovery metadata) now instead of at the first login. */
  ready?(): Promise<void>;
  /**
   * OpenID Connect providers only: checks a back-channel logout token (signature against the
   * JWKS, then claims) and returns what it names.
   */
  verifyLogoutToken?(logoutToken: string): Promise<LogoutClaims>;
  /**
   * Revokes the refresh token, then the access token (RFC 7009). Resolves to false when the
   * provider has no revocation endpoint; rejects with an OAuthError when it fails.
   */
  revoke(tokens: OAuthTokens): Promise<boolean>;
  /** The provider's end-session URL, or undefined when it has none (or cannot be reached). */
  endSessionUrl(
    authentication: OAuthAuthentication | undefined,
    postLogoutRedirectUri: string,
    extraParams?: Readonly<Record<string, string>>,
  ): Promise<URL | undefined>;
  /**
   * OpenID Connect providers only: the provider as a resource server checks its access tokens,
   * through the same discovery and key set as sign-in (and the client's authentication for
   * introspection).
   */
  resourceServer?(): Promise<OAuthResourceServer>;
}

/** What `requireBearer()` needs from a discovered provider; see {@link OAuthProviderClient.resourceServer}. */
export interface OAuthResourceServer {
  readonly metadata: ServerMetadata;
  /** openid-client's configuration: introspection with the configured client authentication. */
  readonly configuration: Configuration;
  /**
   * The provider's JWKS, the very key set sign-in checks ID tokens with (one fetch, one cache),
   * fetched with the provider's HTTP policy; absent when the metadata names no `jwks_uri`. A
   * token naming a key it does not hold makes it fetch again at most once per cool-down.
   */
  readonly keySet: RemoteKeySet | undefined;
  /** The algorithms the provider's tokens may be signed with (`profile: 'fapi2'`); undefined: any asymmetric one. */
  readonly signingAlgorithms: readonly string[] | undefined;
}
