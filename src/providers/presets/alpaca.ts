import type { OAuthOAuth2Provider } from '../../options/provider-types.js';

/** Options of {@link alpaca}. */
export interface AlpacaOptions {
  /** The OAuth app's client id, from the Alpaca dashboard. */
  clientId: string;
  /** The OAuth app's client secret, from the Alpaca dashboard. */
  clientSecret: string;
  /** Space-separated Alpaca scopes, e.g. `'account:write trading'`. */
  scope: string;
  /** Funded accounts use the live API, paper trading the paper API. Default `'live'`. */
  environment?: 'live' | 'paper';
  /** The authorization host. Default `https://app.alpaca.markets`. */
  appURL?: string;
  /** The API host for the token request and the account. Default by `environment`. */
  apiURL?: string;
}

const API_URLS = {
  live: 'https://api.alpaca.markets',
  paper: 'https://paper-api.alpaca.markets',
} as const;

/**
 * Alpaca: plain OAuth 2.0, no OpenID Connect. The user is known through the trading account the
 * token opens (`GET /v2/account`), whose `id` becomes `req.oauthUser.sub`.
 *
 * @example
 * ```ts
 * const provider = alpaca({
 *   clientId,
 *   clientSecret,
 *   scope: 'account:write trading',
 *   environment: 'paper',
 * });
 * oauthMiddleware({ baseURL, providers: { alpaca: provider } });
 * ```
 * @see https://alpaca.markets/docs/oauth/guide/
 */
export function alpaca(options: AlpacaOptions): OAuthOAuth2Provider {
  const app = (options.appURL ?? 'https://app.alpaca.markets').replace(/\/$/, '');
  const api = (options.apiURL ?? API_URLS[options.environment ?? 'live']).replace(/\/$/, '');
  return {
    type: 'oauth2',
    label: 'Alpaca',
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    authorizationEndpoint: `${app}/oauth/authorize`,
    // Alpaca: the code is exchanged on the API host of the environment (live or paper).
    tokenEndpoint: `${api}/oauth/token`,
    // Alpaca: client credentials are read from the form body only.
    tokenEndpointAuthMethod: 'client_secret_post',
    profileEndpoint: `${api}/v2/account`,
    mapUser: (account) => ({
      sub: typeof account.id === 'string' ? account.id : '',
      name:
        typeof account.account_number === 'string'
          ? `Alpaca account ${account.account_number}`
          : undefined,
    }),
  };
}
