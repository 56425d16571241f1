import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import { causeChain, innermostMessage } from './error-chain.js';
import type { ErrorLink } from './error-chain.js';
import { fromLibraryCode } from './library-code-mapping.js';
import { coded, DOING } from './provider-operation.js';
import type { ProviderOperation } from './provider-operation.js';
import { fromStatus } from './status-mapping.js';
import { isNetworkFailure, isTimeout, tlsFailure } from './transport-failure.js';

/**
 * Anything openid-client, oauth4webapi, jose or the network throws becomes one {@link OAuthError}.
 * The code is decided by the library's error class, its `code` and its structured `cause`
 * (`claim`, `attribute`, `expected`, the provider's `Response`), never by its message: a reworded
 * message in a library cannot change a code applications branch on. The library's message may
 * appear in ours as detail for the developer. The mappings: status-mapping.ts (the provider's
 * HTTP answer), library-code-mapping.ts (the libraries' codes), transport-failure.ts (the network);
 * test/unit/error-mapping.test.ts holds the table.
 */

/**
 * Turns anything a provider call throws into an {@link OAuthError} with a stable code, keeping
 * the original as `cause`. Messages never carry a token or a code.
 */
export function toOAuthError(error: unknown, operation: ProviderOperation): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof AuthorizationResponseError) {
    const denied = error.error === 'access_denied';
    return coded(
      denied ? 'OAUTH_ACCESS_DENIED' : 'OAUTH_AUTHORIZATION_ERROR',
      denied
        ? 'the authorization was denied at the provider (access_denied)'
        : `the provider ended the authorization with "${error.error}"`,
      error,
      { error: error.error, errorDescription: error.error_description },
    );
  }
  if (error instanceof ResponseBodyError) {
    return fromStatus(error.status, error.response.headers, operation, error, {
      error: error.error,
      errorDescription: error.error_description,
    });
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const parameters = error.cause.find((c) => c.parameters.error !== undefined)?.parameters;
    return fromStatus(error.status, error.response.headers, operation, error, {
      error: parameters?.error,
      errorDescription: parameters?.error_description,
    });
  }
  const links = causeChain(error);
  // Our own refusal (a plain-http endpoint, say) wrapped by openid-client keeps its code.
  const ours = links.find((link): link is OAuthError & ErrorLink => link instanceof OAuthError);
  if (ours !== undefined) return ours;
  const doing = DOING[operation];
  if (isTimeout(links)) {
    return coded(
      'OAUTH_PROVIDER_TIMEOUT',
      `the provider did not answer in time while ${doing}`,
      error,
    );
  }
  const libraryCode = links
    .map((link) => link.code)
    .find((c): c is string => typeof c === 'string' && c.startsWith('OAUTH_'));
  const mapped =
    libraryCode === undefined ? undefined : fromLibraryCode(libraryCode, links, operation, error);
  if (mapped !== undefined) return mapped;
  const tls = tlsFailure(links);
  if (tls !== undefined) {
    return coded(
      'OAUTH_PROVIDER_UNAVAILABLE',
      `the provider's TLS certificate was refused (${tls}) while ${doing}; for a private CA, pass a "fetch" option whose dispatcher trusts it`,
      error,
    );
  }
  if (isNetworkFailure(links)) {
    return coded(
      'OAUTH_PROVIDER_UNAVAILABLE',
      `the provider could not be reached while ${doing}`,
      error,
    );
  }
  const detail = innermostMessage(error);
  return coded(
    operation === 'discovery' ? 'OAUTH_PROVIDER_UNAVAILABLE' : 'OAUTH_INVALID_RESPONSE',
    `the provider sent an invalid response while ${doing}${detail === undefined ? '' : `: ${detail}`}`,
    error,
  );
}

/** Runs one provider call, turning whatever it throws into an {@link OAuthError}. */
export function attempt<T>(operation: ProviderOperation, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw toOAuthError(error, operation);
  });
}
