/**
 * The `quirks` option: how a provider departs from the standard, as data; options/quirks.ts reads
 * it.
 */

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
