/**
 * The interface for providers that break the protocol (ALGOGENE builds its authorization URL with
 * a server-side API call and returns an access token in the redirect). An adapter only speaks to
 * its provider: the middleware keeps generating `state`, storing and consuming the single-use
 * transaction, checking `state` before the adapter sees a callback, sanitising `returnTo`,
 * regenerating the session and rendering errors, so no adapter can weaken any of them.
 */

/** Tokens as an adapter reports them. */
export interface OAuthAdapterTokens {
  /** The access token the provider issued. */
  readonly accessToken: string;
  /**
   * The token type, compared case-insensitively. Default `'bearer'`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
   */
  readonly tokenType?: string;
  /** Seconds until the access token expires. */
  readonly expiresIn?: number;
  /** The refresh token, when the provider issued one; `refresh()` gets it back. */
  readonly refreshToken?: string;
  /** The granted scope, space-separated, when the provider said. */
  readonly scope?: string;
}

/**
 * What the middleware lends provider code for each call (an adapter's methods, a plain OAuth 2.0
 * provider's `fetchProfile`): HTTP with the package's rules applied.
 */
export interface OAuthProviderHttp {
  /**
   * `fetch` with the middleware's timeout and its plain-http policy applied. Use it for every
   * provider request so an unreachable or slow provider fails like any other.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Reads a JSON response, turning HTTP failures into typed errors: 429 →
   * `OAUTH_RATE_LIMITED` (with `Retry-After`), 5xx → `OAUTH_PROVIDER_UNAVAILABLE`, other non-2xx
   * → `OAUTH_PROVIDER_ERROR` (keeping the provider's `error` and `error_description`), a non-JSON
   * body → `OAUTH_INVALID_RESPONSE`.
   */
  json(response: Response): Promise<Record<string, unknown>>;
}

/** What the middleware lends an adapter for each call: {@link OAuthProviderHttp}. */
export type OAuthAdapterContext = OAuthProviderHttp;

/** A provider spoken to by hand. */
export interface OAuthAdapter {
  /**
   * The URL to send the browser to. `state` is the middleware's: it must come back unchanged in
   * the callback, or the callback is refused before the adapter sees it.
   */
  authorizationUrl(
    input: { state: string; redirectUri: string; params: Readonly<Record<string, string>> },
    context: OAuthAdapterContext,
  ): Promise<string | URL>;
  /**
   * Reads the callback and returns the tokens. Called only after the middleware matched the
   * callback's `state` to a login pending in this browser, and found no `error` parameter.
   */
  handleCallback(
    input: { params: URLSearchParams; redirectUri: string },
    context: OAuthAdapterContext,
  ): Promise<OAuthAdapterTokens>;
  /** The user's profile, mapped to `req.oauthUser` by the provider's `mapUser`. */
  fetchProfile(
    input: { tokens: OAuthAdapterTokens },
    context: OAuthAdapterContext,
  ): Promise<Record<string, unknown>>;
  /** Renews expired tokens; without it, an expired session asks the user to log in again. */
  refresh?(
    input: { tokens: OAuthAdapterTokens },
    context: OAuthAdapterContext,
  ): Promise<OAuthAdapterTokens>;
  /**
   * Revokes the tokens when a session ends (`revokeOnLogout`); without it, nothing is revoked.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7009
   */
  revoke?(input: { tokens: OAuthAdapterTokens }, context: OAuthAdapterContext): Promise<void>;
}
