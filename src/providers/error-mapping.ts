import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import type { OAuthErrorCode } from '../errors.js';
import { causeChain, innermostMessage, libraryCause, responseInChain } from './error-chain.js';
import type { ErrorLink } from './error-chain.js';
import { retryAfterSeconds } from './retry-after.js';

/**
 * Anything openid-client, oauth4webapi, jose or the network throws becomes one {@link OAuthError}.
 * The code is decided by the library's error class, its `code` and its structured `cause`
 * (`claim`, `attribute`, `expected`, the provider's `Response`), never by its message: a reworded
 * message in a library cannot change a code applications branch on. The library's message may
 * appear in ours as detail for the developer. test/unit/error-mapping.test.ts holds the table.
 */

/** What the middleware was doing when the provider failed, for the message a developer reads. */
export type ProviderOperation =
  | 'discovery'
  | 'authorize'
  | 'callback'
  | 'token'
  | 'refresh'
  | 'userinfo'
  | 'jwks'
  | 'revocation'
  | 'introspection'
  | 'resource';

const DOING: Record<ProviderOperation, string> = {
  discovery: 'discovering the provider metadata',
  authorize: 'asking the provider for the authorization URL',
  callback: 'processing the authorization response',
  token: 'exchanging the authorization code',
  refresh: 'refreshing the access token',
  userinfo: 'fetching userinfo',
  jwks: "fetching the provider's keys (JWKS)",
  revocation: 'revoking the tokens',
  resource: 'calling the API',
  introspection: 'introspecting an access token',
};

/** OAuth error values that say the application's own client credentials were refused. */
const CLIENT_REFUSALS = new Set(['invalid_client', 'unauthorized_client']);

/** Socket and HTTP-parser codes that mean the provider could not be reached or spoke no HTTP. */
const NETWORK_CODE = /^(E[A-Z]+|UND_ERR_[A-Z_]+|HPE_[A-Z_]+)$/;

interface ProviderDetails {
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
}

function coded(
  code: OAuthErrorCode,
  message: string,
  cause: unknown,
  extra: ProviderDetails & { retryAfter?: number | undefined } = {},
): OAuthError {
  return new OAuthError(message, {
    code,
    cause,
    ...(extra.error === undefined ? {} : { error: extra.error }),
    ...(extra.errorDescription === undefined ? {} : { errorDescription: extra.errorDescription }),
    ...(extra.retryAfter === undefined ? {} : { retryAfter: extra.retryAfter }),
  });
}

function isTokenOperation(operation: ProviderOperation): boolean {
  // 'authorize' reaches the provider only with a pushed request, which authenticates the client
  // as the token endpoint does (RFC 9126 §2.1).
  return operation === 'token' || operation === 'refresh' || operation === 'authorize';
}

/** A provider's answer with an HTTP status and, maybe, an OAuth `error` body. */
function fromStatus(
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

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Whether a structured cause points into a JWT: the compact token itself, or its `claims`,
 * `claim`, `header` or `alg`. Only the ID token is a JWT in the responses the package reads.
 */
function isAboutJwt(detail: unknown): boolean {
  if (typeof detail === 'string') return true;
  return ['claims', 'claim', 'header', 'alg'].some((name) => field(detail, name) !== undefined);
}

function idTokenInvalid(reason: string, cause: unknown): OAuthError {
  return coded('OAUTH_ID_TOKEN_INVALID', `the ID token failed validation: ${reason}`, cause);
}

function claimReason(detail: unknown, fallback: string): string {
  const claim = field(detail, 'claim');
  return typeof claim === 'string' ? `"${claim}" ${fallback}` : fallback;
}

/** oauth4webapi's (and openid-client's) coded errors, by code and structured cause. */
function fromLibraryCode(
  code: string,
  links: readonly ErrorLink[],
  operation: ProviderOperation,
  error: unknown,
): OAuthError | undefined {
  const detail = libraryCause(error, code);
  const doing = DOING[operation];
  switch (code) {
    case 'OAUTH_TIMEOUT':
      return coded(
        'OAUTH_PROVIDER_TIMEOUT',
        `the provider did not answer in time while ${doing}`,
        error,
      );
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return coded(
        'OAUTH_INVALID_RESPONSE',
        `the provider metadata points to a non-https endpoint; refused while ${doing}`,
        error,
      );
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON': {
      const response = responseInChain(error);
      if (response !== undefined && !response.ok) {
        return fromStatus(response.status, response.headers, operation, error);
      }
      return undefined;
    }
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED': {
      const attribute = field(detail, 'attribute');
      if (attribute === 'issuer') {
        return coded(
          'OAUTH_ISSUER_MISMATCH',
          'the discovered metadata names another issuer than "options.issuer"; configure the exact issuer identifier',
          error,
        );
      }
      if (attribute === 'sub') {
        return coded(
          'OAUTH_SUBJECT_MISMATCH',
          `the provider's answer names another user than the session while ${doing}`,
          error,
        );
      }
      return undefined;
    }
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      // OpenID Connect Core 12.2: a user is iss + sub, so a refreshed ID token from another
      // issuer names another user.
      if (operation === 'refresh' && field(detail, 'claim') === 'iss') {
        return coded(
          'OAUTH_SUBJECT_MISMATCH',
          'the refreshed ID token comes from another issuer; the session was ended',
          error,
        );
      }
      return idTokenInvalid(claimReason(detail, 'does not have the expected value'), error);
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return idTokenInvalid(claimReason(detail, 'is out of the accepted time window'), error);
    case 'OAUTH_KEY_SELECTION_FAILED':
      return idTokenInvalid('no single key of the provider matches its header', error);
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_UNSUPPORTED_OPERATION':
      if (isTokenOperation(operation) && isAboutJwt(detail)) {
        return idTokenInvalid(innermostMessage(error) ?? 'malformed', error);
      }
      return undefined;
    default:
      return undefined;
  }
}

function isTimeout(links: readonly ErrorLink[]): boolean {
  return links.some((link) => link.code === 'OAUTH_TIMEOUT' || link.name === 'TimeoutError');
}

/** fetch rejects with a TypeError whose cause is the socket's error: the provider was not reached. */
function isNetworkFailure(links: readonly ErrorLink[]): boolean {
  return links.some(
    (link, index) =>
      (typeof link.code === 'string' && NETWORK_CODE.test(link.code)) ||
      (link instanceof TypeError && link.cause instanceof Error && index < links.length - 1),
  );
}

/** OpenSSL's and Node's codes for a certificate that could not be verified. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** The TLS verification failure under a failed fetch, by its code. */
function tlsFailure(links: readonly ErrorLink[]): string | undefined {
  const link = links.find((l) => typeof l.code === 'string' && TLS_CODE.test(l.code));
  return link?.code as string | undefined;
}

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
