/**
 * A provider's answer with an HTTP status and, maybe, an OAuth `error` body, mapped to a stable
 * code: rate limiting, an unavailable provider, a refused grant or client, or a provider error.
 */
import type { OAuthError } from '../errors.js';
import { coded, DOING, isTokenOperation } from './provider-operation.js';
import type { ProviderDetails, ProviderOperation } from './provider-operation.js';
import { retryAfterSeconds } from './retry-after.js';

/** OAuth error values that say the application's own client credentials were refused. */
const CLIENT_REFUSALS = new Set(['invalid_client', 'unauthorized_client']);

/** A provider's answer with an HTTP status and, maybe, an OAuth `error` body. */
export function fromStatus(
  status: number,
  headers: Headers | undefined,
  operation: ProviderOperation,
  cause: unknown,
  details: ProviderDetails = {},
): OAuthError {
  const doing = DOING[operation];
  if (status < 400) {
    // Redirects are never followed: a provider endpoint that redirects is not answering.
    return coded(
      'OAUTH_INVALID_RESPONSE',
      `the provider answered HTTP ${status} (a redirect, which is not followed) while ${doing}`,
      cause,
      details,
    );
  }
  if (status === 429) {
    return coded(
      'OAUTH_RATE_LIMITED',
      `the provider is rate limiting requests while ${doing}`,
      cause,
      {
        ...details,
        retryAfter: retryAfterSeconds(headers),
      },
    );
  }
  if (status >= 500 || operation === 'discovery' || operation === 'jwks') {
    return coded(
      'OAUTH_PROVIDER_UNAVAILABLE',
      `the provider answered HTTP ${status} while ${doing}`,
      cause,
      details,
    );
  }
  if (details.error === 'use_dpop_nonce') {
    // openid-client answers the first use_dpop_nonce itself, with the nonce it was given.
    return coded(
      'OAUTH_DPOP_NONCE_LOOP',
      `the provider asked for a new DPoP nonce again after the retry that carried its nonce, while ${doing}`,
      cause,
      details,
    );
  }
  if (details.error === 'invalid_grant') {
    return coded(
      'OAUTH_INVALID_GRANT',
      operation === 'refresh'
        ? 'the provider refused the refresh token (invalid_grant); the user must log in again'
        : 'the provider refused the authorization code (invalid_grant); start the login again',
      cause,
      details,
    );
  }
  if (
    isTokenOperation(operation) &&
    ((details.error !== undefined && CLIENT_REFUSALS.has(details.error)) ||
      (details.error === undefined && status === 401))
  ) {
    return coded(
      'OAUTH_CLIENT_REJECTED',
      `the provider refused the application's client credentials (${details.error ?? `HTTP ${status}`}) while ${doing}; check clientId, clientSecret and tokenEndpointAuthMethod`,
      cause,
      details,
    );
  }
  if (operation === 'userinfo' && status === 401) {
    return coded(
      'OAUTH_LOGIN_REQUIRED',
      `the provider refused the access token while ${doing}`,
      cause,
      details,
    );
  }
  const what =
    details.error === undefined ? `HTTP ${status} without an OAuth error` : `"${details.error}"`;
  return coded(
    'OAUTH_PROVIDER_ERROR',
    `the provider answered ${what} while ${doing}`,
    cause,
    details,
  );
}
