/** The `routes` option: the paths the middleware answers, each renamable or turned off. */

/** Route paths answered by the middleware; `false` turns a route off. */
export interface OAuthRoutes {
  /** GET, starts a login (`/login/:provider` with several providers). Default `/login`. */
  login?: string | false;
  /**
   * GET, the `redirect_uri` (`/callback/:provider` with several providers). Default `/callback`.
   * It cannot be turned off: no login could finish without it.
   */
  callback?: string;
  /** POST, ends the session. Default `/logout`. */
  logout?: string | false;
  /**
   * POST, OpenID Connect Back-Channel Logout (`/backchannel-logout/:provider` with several
   * providers): register it at the provider as `backchannel_logout_uri`. Default `false` (off):
   * turning it on makes every OpenID Connect login record its session in the store so a logout
   * token can find it.
   *
   * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
   */
  backchannelLogout?: string | false;
  /**
   * GET, the public half of the client's own keys (`clientPrivateKey`) as a JWK Set, for the
   * provider to fetch as the client's `jwks_uri`. Default `/jwks.json` when a provider has a
   * `clientPrivateKey`, off (`false`) otherwise. It never carries a private parameter.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
   */
  jwks?: string | false;
  /**
   * GET, the readiness of the middleware as JSON: 200 when every provider's metadata is loaded
   * and the refresh lock answers, 503 otherwise (see `oauth.health()`). Default `false` (off).
   */
  health?: string | false;
}
