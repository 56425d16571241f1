import { codedTypeError } from '../errors.js';
import {
  basicAuthorization,
  isReplayable,
  resolveApiUrl,
  withAuthorization,
} from './api-request.js';
import { AttemptGate, TokenCache } from './cache.js';
import { credentialsRejectedError, responseError } from './errors.js';
import { clientFetch, createTokenRequest } from './grants.js';
import { resolveTokenClientOptions } from './options.js';
import { credentialsVerdict } from './quirks.js';
import type { ResolvedBasicOptions, ResolvedGrantOptions } from './options.js';
import type { OAuthTokenClient, OAuthTokenClientOptions } from './types.js';

function createBearerClient(options: ResolvedGrantOptions): OAuthTokenClient {
  const gate = new AttemptGate(options.maxCredentialsRejections);
  const cache = new TokenCache(createTokenRequest(options, gate), options.refreshLeeway);
  // With a clientCertificate, API calls present it too: certificate-bound tokens need it.
  const clientSend = clientFetch(options);
  const send = (url: URL, init: RequestInit): Promise<Response> => clientSend(url.href, init);
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
    resetCredentials: () => gate.resetCredentials(),
  };
}

function createBasicClient(options: ResolvedBasicOptions): OAuthTokenClient {
  const gate = new AttemptGate(options.maxCredentialsRejections);
  const authorization = basicAuthorization(options.username, options.password);
  const context = {
    by: 'the API',
    whose: `the HTTP Basic credentials of "${options.username}"`,
    account: options.username,
    fix: 'check "options.username" and "options.password"',
    unlockHint: options.quirks.unlockHint,
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
      // A 5xx says nothing of the credentials; an answer below 400 accepted them.
      if (response.status >= 500) return response;
      if (response.status < 400) {
        gate.accept();
        return response;
      }
      const provider = await responseError(response);
      // A 401 refuses the credentials whatever it says; any other 4xx only when its `error` is one
      // the provider's quirks name (a 403 is otherwise a missing permission, the caller's to read).
      const verdict = credentialsVerdict(options.quirks, provider.error, 'API');
      if (response.status !== 401 && verdict === undefined) {
        // Another 4xx (a missing permission): the credentials themselves were accepted.
        gate.accept();
        return response;
      }
      await response.body?.cancel();
      const rejection = {
        status: response.status,
        locked: verdict === 'locked',
        error: provider.error,
        errorDescription: provider.errorDescription,
        cause: response,
      };
      throw gate.reject(options.credentialsCooldown, (remaining, stoppedAfter) =>
        credentialsRejectedError(rejection, context, remaining, stoppedAfter),
      );
    },
    invalidate: () => {},
    resetCredentials: () => gate.resetCredentials(),
  };
}

/**
 * Creates a client that calls an API on behalf of the server itself, with the password grant,
 * the client credentials grant, or HTTP Basic. The token is cached until shortly before it
 * expires and renewed once for all concurrent callers. When the provider refuses the credentials
 * (RFC 6749's `invalid_grant`, `invalid_client` or `unauthorized_client`, any 401 or 403 from the
 * token endpoint, or an error its `quirks` name), nothing is retried: the error
 * (`OAUTH_CREDENTIALS_REJECTED`) names the fix, and every later call fails at once, without a
 * request, until `credentialsCooldown` has passed. After `maxCredentialsRejections` refusals in a
 * row the client stops sending the credentials at all until `client.resetCredentials()` (or a new
 * client with fixed credentials), so a wrong password cannot get the account locked, however long
 * the server runs.
 *
 * The generic client follows the RFCs; what a provider does beyond them comes from its preset,
 * such as {@link algoreg}. Options are validated here: a mistake throws a `TypeError` with a
 * Node-style `code`.
 *
 * @example Algoreg, through its preset (JSON password grant, its lock-out errors, one-hour tokens)
 * ```ts
 * const client = createTokenClient(
 *   algoreg({ username: process.env.ALGOREG_USER!, password: process.env.ALGOREG_KEY! }),
 * );
 * const me = await (await client.fetch('/api/v1/me')).json();
 * ```
 *
 * @example The password grant of RFC 6749 §4.3, form-encoded
 * ```ts
 * const api = createTokenClient({
 *   grant: 'password',
 *   tokenEndpoint: 'https://auth.example.com/oauth/token',
 *   apiBaseURL: 'https://api.example.com',
 *   username: process.env.API_USER!,
 *   password: process.env.API_PASSWORD!,
 * });
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
 * @example Client credentials without a shared secret: private_key_jwt, or mutual TLS
 * ```ts
 * const signed = createTokenClient({
 *   grant: 'client_credentials',
 *   tokenEndpoint: 'https://auth.example.com/oauth/token',
 *   clientId: 'reporting',
 *   clientPrivateKey: { key: process.env.REPORTING_KEY_PEM!, alg: 'PS256', kid: '2026-12' },
 * });
 * const bound = createTokenClient({
 *   grant: 'client_credentials',
 *   tokenEndpoint: 'https://mtls.auth.example.com/oauth/token',
 *   apiBaseURL: 'https://api.example.com',
 *   clientId: 'reporting',
 *   clientCertificate: { cert: readFileSync('reporting.pem'), key: readFileSync('reporting.key') },
 * });
 * ```
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.3 | RFC 6749 §4.3 (password)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 §4.4 (client credentials)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.1 | RFC 6750 §2.1 (Bearer header)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.2 | RFC 7523 §2.2 (private_key_jwt)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705 | RFC 8705 (mutual TLS)}
 */
export function createTokenClient(options: Readonly<OAuthTokenClientOptions>): OAuthTokenClient {
  const resolved = resolveTokenClientOptions(options);
  return resolved.grant === 'basic' ? createBasicClient(resolved) : createBearerClient(resolved);
}
