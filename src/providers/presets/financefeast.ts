import type { OAuthOidcProvider } from '../../options/provider-types.js';

/** Options of {@link financefeast}. */
export interface FinancefeastOptions {
  /** The client id Financefeast issued to the application. */
  clientId: string;
  /** The client secret Financefeast issued; sent with `client_secret_post`. */
  clientSecret: string;
  /** Default `openid profile plan`: the customer's identity, email address and plan. */
  scope?: string;
  /** Default `https://identity.financefeast.io`. */
  issuer?: string;
}

/**
 * Financefeast: OpenID Connect with `client_secret_post`. Its tokens live ten days with no refresh
 * token, so when they expire the customer authorizes again.
 *
 * @example
 * ```ts
 * oauthMiddleware({
 *   baseURL,
 *   providers: { financefeast: financefeast({ clientId, clientSecret }) },
 * });
 * ```
 */
export function financefeast(options: FinancefeastOptions): OAuthOidcProvider {
  return {
    type: 'oidc',
    label: 'Financefeast',
    issuer: options.issuer ?? 'https://identity.financefeast.io',
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope ?? 'openid profile plan',
    // Financefeast: only client_secret_post, form-encoded, is accepted at the token endpoint.
    tokenEndpointAuthMethod: 'client_secret_post',
    // Financefeast: the token response carries expires_at; prefer it over expires_in.
    quirks: { preferExpiresAt: true },
  };
}
