import {
  allowInsecureRequests,
  clientCredentialsGrant,
  Configuration,
  customFetch,
  genericGrantRequest,
} from 'openid-client';
import type { ClientAuth, CustomFetch } from 'openid-client';
import { OAuthError } from '../errors.js';
import { clientAuthentication as sharedClientAuthentication } from '../providers/client-auth.js';
import { readBoundedBody, responseWithBody } from '../providers/bounded-body.js';
import { withClientCertificate } from '../providers/mtls-fetch.js';
import { jsonObjectOf, jsonTokenRequest } from '../providers/token-shape.js';
import type { OAuthFetch } from '../options/types.js';
import type { AttemptGate, IssuedToken } from './cache.js';
import {
  credentialsRejectedError,
  findCredentialsRejection,
  rateLimitedError,
  tokenEndpointError,
} from './errors.js';
import type { CredentialsContext, TokenEndpointContext } from './errors.js';
import type { ResolvedGrantOptions } from './options.js';

/**
 * openid-client needs a client identifier even where the token endpoint knows no client (Algoreg);
 * this one is never sent, since such a client authenticates with {@link noClientAuthentication}.
 */
const UNSENT_CLIENT_ID = 'express-oauth-rp-token-client';

/**
 * A token endpoint that knows no client (Algoreg's) takes the user's credentials and nothing else.
 * `None()` would add `client_id` to the body; this authentication adds nothing.
 */
const noClientAuthentication: ClientAuth = () => {};

function clientAuthentication(options: ResolvedGrantOptions): ClientAuth {
  const method = options.tokenEndpointAuthMethod;
  if (method === undefined || options.clientId === undefined) return noClientAuthentication;
  return sharedClientAuthentication({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    tokenEndpointAuthMethod: method,
    clientKeys: options.clientKeys,
  });
}

/**
 * The `fetch` of the token requests and of `client.fetch()`: the user's (or the global one), and
 * with a `clientCertificate` one that presents it on every connection (RFC 8705), so the token
 * endpoint can authenticate the client by it and bind the token to it, and the API can check that
 * binding.
 */
export function clientFetch(options: ResolvedGrantOptions): OAuthFetch {
  return (
    withClientCertificate(options.clientCertificate, options.fetch) ??
    ((url, init) => fetch(url, init))
  );
}

/**
 * Repairs a successful token response before openid-client validates it: `token_type` is added
 * when a provider leaves it out (RFC 6749 §5.1 requires it, and it can only be Bearer here), and an
 * `id_token` is dropped, since this client never uses one and could not validate it against the
 * issuer it had to make up.
 */
function normaliseTokenResponse(response: Response, body: Uint8Array): Response {
  const fields = response.status === 200 ? jsonObjectOf(response.headers, body) : undefined;
  if (fields === undefined) return responseWithBody(response, body);
  if (fields.token_type !== undefined && fields.id_token === undefined) {
    return responseWithBody(response, body);
  }
  fields.token_type ??= 'Bearer';
  delete fields.id_token;
  return responseWithBody(response, JSON.stringify(fields));
}

/**
 * The `customFetch` of the token requests: {@link clientFetch}, the body format, the response read
 * once through `maxResponseBytes` (and the request's timeout), the repairs.
 */
function tokenEndpointFetch(options: ResolvedGrantOptions): CustomFetch {
  const send = clientFetch(options);
  return async (url, init) => {
    // tokenRequestFormat "json" (Algoreg's preset): the parameters of the RFC 6749 form
    // openid-client builds, sent as one JSON object instead.
    const request =
      options.tokenRequestFormat === 'json'
        ? (jsonTokenRequest(init) as RequestInit)
        : (init as RequestInit);
    const response = await send(url, request);
    const bound = {
      endpoint: 'token',
      limit: options.maxResponseBytes,
      signal: init.signal,
    } as const;
    return normaliseTokenResponse(response, await readBoundedBody(response, bound));
  };
}

/**
 * The openid-client configuration of a token endpoint known by its URL alone. The password and
 * client credentials grants never look at the issuer (no ID token is validated); openid-client
 * makes it the `aud` of client assertions, so it is `clientAssertionAudience`, else the token
 * endpoint's URL, the one identity of the provider this client knows (RFC 7523 §3 lets the
 * provider accept it).
 */
function createConfiguration(options: ResolvedGrantOptions): Configuration {
  const config = new Configuration(
    {
      issuer: options.clientAssertionAudience ?? options.tokenEndpoint.href,
      token_endpoint: options.tokenEndpoint.href,
    },
    options.clientId ?? UNSENT_CLIENT_ID,
    undefined,
    clientAuthentication(options),
  );
  // Option validation accepted http:// only on loopback or with allowInsecureHttp.
  if (options.tokenEndpoint.protocol === 'http:') allowInsecureRequests(config);
  config.timeout = options.timeout / 1000;
  config[customFetch] = tokenEndpointFetch(options);
  return config;
}

/** What to check when the provider refuses the client, by how the client authenticated. */
function clientCredentialToCheck(options: ResolvedGrantOptions): string {
  switch (options.tokenEndpointAuthMethod) {
    case 'private_key_jwt':
      return '"options.clientPrivateKey" against the keys the provider has registered for the client';
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return '"options.clientCertificate" against the subject or certificate the provider has registered for the client';
    default:
      return '"options.clientSecret"';
  }
}

function credentialsContext(
  options: ResolvedGrantOptions,
  error: string | undefined,
): CredentialsContext {
  const clientFault = options.grant === 'client_credentials' || error === 'invalid_client';
  if (clientFault && options.clientId !== undefined) {
    return {
      by: 'the token endpoint',
      whose: `the client credentials of "${options.clientId}"`,
      account: options.clientId,
      fix: `check "options.clientId" and ${clientCredentialToCheck(options)}`,
      unlockHint: options.quirks.unlockHint,
    };
  }
  const username = options.username ?? '';
  return {
    by: 'the token endpoint',
    whose: `the credentials of "${username}"`,
    account: username,
    fix: 'check "options.username" and "options.password"',
    unlockHint: options.quirks.unlockHint,
  };
}

/**
 * One token request of the configured grant. Never retried here: a rejection of the credentials
 * closes the gate for the cool-down (for good after `maxCredentialsRejections` in a row), a
 * `Retry-After` for as long as it says, and anything else is reported to the caller, whose next
 * call may try again.
 */
export function createTokenRequest(
  options: ResolvedGrantOptions,
  gate: AttemptGate,
): () => Promise<IssuedToken> {
  const config = createConfiguration(options);
  const context: TokenEndpointContext = {
    endpoint: `${options.tokenEndpoint.origin}${options.tokenEndpoint.pathname}`,
    timeout: options.timeout,
  };
  return async () => {
    gate.check();
    try {
      const response =
        options.grant === 'password'
          ? await genericGrantRequest(config, 'password', options.parameters)
          : await clientCredentialsGrant(config, options.parameters);
      gate.accept();
      if (response.token_type !== 'bearer') {
        throw new OAuthError(
          `the token endpoint ${context.endpoint} issued a "${response.token_type}" token; only Bearer tokens are supported`,
          { code: 'OAUTH_INVALID_RESPONSE' },
        );
      }
      return {
        accessToken: response.access_token,
        expiresIn: response.expires_in ?? options.quirks.defaultExpiresIn,
      };
    } catch (error) {
      const rejection = await findCredentialsRejection(error, options.quirks);
      if (rejection !== undefined) {
        const whose = credentialsContext(options, rejection.error);
        throw gate.reject(options.credentialsCooldown, (remaining, stoppedAfter) =>
          credentialsRejectedError(rejection, whose, remaining, stoppedAfter),
        );
      }
      const failure = tokenEndpointError(error, context);
      const wait = failure.code === 'OAUTH_RATE_LIMITED' ? (failure.retryAfter ?? 0) : 0;
      if (wait > 0) {
        const provider = { error: failure.error, errorDescription: failure.errorDescription };
        throw gate.close(wait, (remaining) =>
          rateLimitedError(context, remaining, error, provider),
        );
      }
      throw failure;
    }
  };
}
