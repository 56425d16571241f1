import type { OAuthOAuth2Provider } from '../../options/provider-types.js';

/** Options of {@link genericOAuth2}. */
export interface GenericOAuth2Options {
  /**
   * Where the API lives: its endpoints are `/api/authorize.php`, `/api/token.php`,
   * `/api/userinfo.php`.
   */
  baseURL: string;
  /** The client id the generic PHP OAuth 2.0 API issued to the application. */
  clientId: string;
  /** The client secret; sent with `client_secret_post`, as token.php reads it from the body. */
  clientSecret: string;
  /** Shown on the provider chooser page. Default `'OAuth 2.0'`. */
  label?: string;
}

/**
 * The generic OAuth 2.0 API with PHP endpoints: the token request carries only
 * `code`, `client_id` and `client_secret`, errors use a non-standard `invalid_code`, and the
 * profile names the user `username` and `full_name`.
 *
 * @example
 * ```ts
 * const php = genericOAuth2({ baseURL: 'https://api.example.com', clientId, clientSecret });
 * oauthMiddleware({ baseURL, providers: { php } });
 * ```
 */
export function genericOAuth2(options: GenericOAuth2Options): OAuthOAuth2Provider {
  const base = options.baseURL.replace(/\/$/, '');
  return {
    type: 'oauth2',
    label: options.label ?? 'OAuth 2.0',
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    authorizationEndpoint: `${base}/api/authorize.php`,
    tokenEndpoint: `${base}/api/token.php`,
    profileEndpoint: `${base}/api/userinfo.php`,
    tokenEndpointAuthMethod: 'client_secret_post',
    quirks: {
      // Generic PHP provider: token.php documents code, client_id and client_secret only.
      sendGrantType: false,
      sendRedirectUri: false,
      // Generic PHP provider: a bad or expired code is "invalid_code", RFC 6749's invalid_grant.
      errorCodes: { invalid_code: 'invalid_grant' },
    },
    mapUser: (profile) => ({
      sub: typeof profile.username === 'string' ? profile.username : '',
      name: typeof profile.full_name === 'string' ? profile.full_name : undefined,
      email: typeof profile.email === 'string' ? profile.email : undefined,
    }),
  };
}
