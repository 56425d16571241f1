import { codedTypeError } from './errors.js';
import {
  basicAuthorization,
  isReplayable,
  resolveApiUrl,
  withAuthorization,
} from './token-client/api-request.js';
import { AttemptGate, TokenCache } from './token-client/cache.js';
import { credentialsRejectedError, responseError } from './token-client/errors.js';
import { createTokenRequest } from './token-client/grants.js';
import { resolveTokenClientOptions } from './token-client/options.js';
import type { ResolvedBasicOptions, ResolvedGrantOptions } from './token-client/options.js';

/** Options every kind of token client shares. */
export interface OAuthTokenClientBaseOptions {
  /**
   * Seconds during which no new attempt is made after the provider refused the credentials: every
   * call fails at once with the same `OAUTH_INVALID_GRANT` error. Default `900`. `Infinity`: never
   * again with this client (create a new one with fixed credentials). `0` turns the protection off
   * and may get the account locked.
   */
  credentialsCooldown?: number;
  /**
   * The API's base URL. Relative URLs given to `client.fetch()` resolve against it (as
   * `new URL(url, apiBaseURL)`), and credentials are then sent to its origin only.
   */
  apiBaseURL?: string | URL;
  /** Accept `http://` token endpoints and API URLs off loopback. Default `false`; never in production. */
  allowInsecureHttp?: boolean;
  /** The `fetch` used for the token endpoint and the API. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Options shared by the grants that ask a token endpoint for a Bearer token. */
export interface OAuthTokenGrantBaseOptions extends OAuthTokenClientBaseOptions {
  /** The token endpoint's URL, e.g. `https://api.algoreg.com/api/v1/token`. No discovery is made. */
  tokenEndpoint: string | URL;
  /** Space-separated scopes to ask for. Default: none sent. */
  scope?: string;
  /** Extra parameters of every token request, e.g. `{ audience: 'https://api.example.com' }`. */
  tokenParams?: Readonly<Record<string, string>>;
  /**
   * How the token request body is encoded: `'form'` (RFC 6749) or `'json'`. Default `'json'` for
   * the password grant (Algoreg), `'form'` for client credentials.
   */
  tokenRequestFormat?: 'json' | 'form';
  /** Milliseconds a token request may take. Default `10000`. */
  timeout?: number;
  /** Seconds before its expiry at which the token is renewed (at most half its lifetime). Default `60`. */
  refreshLeeway?: number;
}

/**
 * The resource owner password grant, for an API that issues tokens to a programmatic user.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.3 | RFC 6749 §4.3}
 */
export interface OAuthPasswordGrantOptions extends OAuthTokenGrantBaseOptions {
  grant: 'password';
  username: string;
  password: string;
  /** Only if the token endpoint wants a client too; Algoreg does not. Never sent when omitted. */
  clientId?: string;
  clientSecret?: string;
  /** Default `client_secret_basic` with a secret, `none` (client_id in the body) without. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/**
 * The client credentials grant: the application asks for a token on its own behalf.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4}
 */
export interface OAuthClientCredentialsGrantOptions extends OAuthTokenGrantBaseOptions {
  grant: 'client_credentials';
  clientId: string;
  clientSecret: string;
  /** Default `client_secret_basic`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

/**
 * No token at all: every API request carries `Authorization: Basic` with the user and password.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7617 | RFC 7617}
 */
export interface OAuthBasicAuthOptions extends OAuthTokenClientBaseOptions {
  grant: 'basic';
  /** Must not contain `:`. */
  username: string;
  password: string;
}

/** Options of {@link createTokenClient}, told apart by `grant`. */
export type OAuthTokenClientOptions =
  OAuthPasswordGrantOptions | OAuthClientCredentialsGrantOptions | OAuthBasicAuthOptions;

/** A client that calls an API on behalf of the server itself. */
export interface OAuthTokenClient {
  readonly grant: OAuthTokenClientOptions['grant'];
  /**
   * The current access token, from the cache or from one token request shared by every
   * concurrent caller. Rejects with an `OAuthError`; with grant `'basic'`, with a `TypeError`
   * (there is no token).
   */
  getAccessToken(): Promise<string>;
  /** The `Authorization` header value to send, `Bearer ...` or `Basic ...`, for other HTTP clients. */
  getAuthorizationHeader(): Promise<string>;
  /**
   * `fetch` with the `Authorization` header set. After a 401 from the API, a Bearer client gets a
   * new token and sends the request once more (not when the body is a stream); a second 401 is
   * returned as is. A Basic client that gets a 401 rejects with the credentials error instead.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the cached token, so the next call asks for a new one. */
  invalidate(): void;
}

function createBearerClient(options: ResolvedGrantOptions): OAuthTokenClient {
  const gate = new AttemptGate();
  const cache = new TokenCache(createTokenRequest(options, gate), options.refreshLeeway);
  const send = (url: URL, init: RequestInit): Promise<Response> =>
    (options.fetch ?? fetch)(url, init);
  return {
    grant: options.grant,
    getAccessToken: () => cache.get(),
    getAuthorizationHeader: async () => `Bearer ${await cache.get()}`,
    async fetch(input, init) {
      const url = resolveApiUrl(input, options);
      const token = await cache.get();
      const response = await send(url, withAuthorization(init, `Bearer ${token}`));
      if (response.status !== 401 || !isReplayable(init?.body)) return response;
      // The API refused a token the cache still trusted (revoked, or expired early): one new
      // token, one more try. Concurrent callers that got the same 401 share that one renewal.
      await response.body?.cancel();
      cache.drop(token);
      const fresh = await cache.get();
      return send(url, withAuthorization(init, `Bearer ${fresh}`));
    },
    invalidate: () => cache.drop(),
  };
}

function createBasicClient(options: ResolvedBasicOptions): OAuthTokenClient {
  const gate = new AttemptGate();
  const authorization = basicAuthorization(options.username, options.password);
  const context = {
    by: 'the API',
    whose: `the HTTP Basic credentials of "${options.username}"`,
    account: options.username,
    fix: 'check "options.username" and "options.password"',
  };
  return {
    grant: 'basic',
    getAccessToken: () =>
      Promise.reject(
        codedTypeError(
          'getAccessToken() has no token to give with grant "basic"; use client.fetch() or client.getAuthorizationHeader()',
          'ERR_INVALID_STATE',
        ),
      ),
    getAuthorizationHeader: async () => {
      gate.check();
      return authorization;
    },
    async fetch(input, init) {
      const url = resolveApiUrl(input, options);
      gate.check();
      const response = await (options.fetch ?? fetch)(url, withAuthorization(init, authorization));
      if (response.status !== 401 && response.status !== 403) return response;
      const provider = await responseError(response);
      // Algoreg: a wrong Basic password counts towards the lock-out just as at the token endpoint.
      if (response.status === 403 && provider.error !== 'account_locked') return response;
      await response.body?.cancel();
      const rejection = {
        status: response.status,
        error: provider.error,
        errorDescription: provider.errorDescription,
        cause: response,
      };
      throw gate.close(options.credentialsCooldown, (remaining) =>
        credentialsRejectedError(rejection, context, remaining),
      );
    },
    invalidate: () => {},
  };
}

/**
 * Creates a client that calls an API on behalf of the server itself, with the password grant,
 * the client credentials grant, or HTTP Basic. The token is cached until shortly before it
 * expires and renewed once for all concurrent callers. When the provider refuses the credentials,
 * nothing is retried: the error (`OAUTH_INVALID_GRANT`) names the fix, and every later call fails
 * at once, without a request, until `credentialsCooldown` has passed, so a wrong password cannot
 * get the account locked.
 *
 * Options are validated here: a mistake throws a `TypeError` with a Node-style `code`.
 *
 * @example Algoreg, password grant with a JSON body
 * ```ts
 * const algoreg = createTokenClient({
 *   grant: 'password',
 *   tokenEndpoint: 'https://api.algoreg.com/api/v1/token',
 *   apiBaseURL: 'https://api.algoreg.com',
 *   username: process.env.ALGOREG_USER!,
 *   password: process.env.ALGOREG_KEY!,
 * });
 * const me = await (await algoreg.fetch('/api/v1/me')).json();
 * ```
 *
 * @example Client credentials
 * ```ts
 * const api = createTokenClient({
 *   grant: 'client_credentials',
 *   tokenEndpoint: 'https://auth.example.com/oauth/token',
 *   clientId: 'reporting',
 *   clientSecret: process.env.REPORTING_SECRET!,
 *   tokenParams: { audience: 'https://api.example.com' },
 * });
 * const token = await api.getAccessToken();
 * ```
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.3 | RFC 6749 §4.3 (password)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4 (client credentials)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.1 | RFC 6750 §2.1 (Bearer header)}
 */
export function createTokenClient(options: Readonly<OAuthTokenClientOptions>): OAuthTokenClient {
  const resolved = resolveTokenClientOptions(options);
  return resolved.grant === 'basic' ? createBasicClient(resolved) : createBearerClient(resolved);
}
