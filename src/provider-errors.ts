import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { OAuthError } from './errors.js';

/** What the middleware was doing when the provider failed, for the message a developer reads. */
export type ProviderOperation =
  'discovery' | 'authorize' | 'callback' | 'token' | 'refresh' | 'userinfo' | 'jwks';

const DOING: Record<ProviderOperation, string> = {
  discovery: 'discovering the provider metadata',
  authorize: 'asking the provider for the authorization URL',
  callback: 'processing the authorization response',
  token: 'exchanging the authorization code',
  refresh: 'refreshing the access token',
  userinfo: 'fetching userinfo',
  jwks: "fetching the provider's keys (JWKS)",
};

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its causes, outermost first: openid-client wraps oauth4webapi's errors. */
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && found.length < 6) {
    found.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return found;
}

function has(links: ErrorLike[], test: (link: ErrorLike) => boolean): boolean {
  return links.some(test);
}

function codeIs(...codes: string[]): (link: ErrorLike) => boolean {
  return (link) => typeof link.code === 'string' && codes.includes(link.code);
}

function messageMatches(pattern: RegExp): (link: ErrorLike) => boolean {
  return (link) => typeof link.message === 'string' && pattern.test(link.message);
}

/**
 * Seconds until a rate-limited provider may be tried again: `Retry-After` (delta-seconds or an
 * HTTP date), else `X-RateLimit-Reset` (epoch seconds, or delta-seconds when small).
 */
export function retryAfterSeconds(
  headers: Headers | undefined,
  now = Date.now(),
): number | undefined {
  const retryAfter = headers?.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  const reset = headers?.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) {
    const value = Number(reset);
    // Generic PHP provider (seed 004): X-RateLimit-Reset is an epoch time; others send seconds.
    return value > 1_000_000_000 ? Math.max(0, value - Math.floor(now / 1000)) : value;
  }
  return undefined;
}

function statusOf(links: ErrorLike[]): number | undefined {
  for (const link of links) {
    const status = (link as { status?: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

function fromResponseBody(error: ResponseBodyError, operation: ProviderOperation): OAuthError {
  const details = { error: error.error, errorDescription: error.error_description, cause: error };
  if (error.status === 429) {
    const retryAfter = retryAfterSeconds(error.response.headers);
    return new OAuthError(`the provider is rate limiting requests while ${DOING[operation]}`, {
      code: 'OAUTH_RATE_LIMITED',
      ...details,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  if (error.error === 'invalid_grant') {
    return new OAuthError(
      operation === 'refresh'
        ? 'the provider refused the refresh token (invalid_grant); the user must log in again'
        : 'the provider refused the authorization code (invalid_grant); start the login again',
      { code: 'OAUTH_INVALID_GRANT', ...details },
    );
  }
  if (error.status >= 500) {
    return new OAuthError(`the provider answered HTTP ${error.status} while ${DOING[operation]}`, {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      ...details,
    });
  }
  return new OAuthError(`the provider answered "${error.error}" while ${DOING[operation]}`, {
    code: 'OAUTH_PROVIDER_ERROR',
    ...details,
  });
}

/**
 * Turns anything openid-client (or the network) throws into an {@link OAuthError} with a stable
 * code, keeping the original as `cause`. Messages never carry a token or a code.
 */
export function toOAuthError(error: unknown, operation: ProviderOperation): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof AuthorizationResponseError) {
    const denied = error.error === 'access_denied';
    return new OAuthError(
      denied
        ? 'the authorization was denied at the provider (access_denied)'
        : `the provider ended the authorization with "${error.error}"`,
      {
        code: denied ? 'OAUTH_ACCESS_DENIED' : 'OAUTH_AUTHORIZATION_ERROR',
        error: error.error,
        errorDescription: error.error_description,
        cause: error,
      },
    );
  }
  if (error instanceof ResponseBodyError) return fromResponseBody(error, operation);
  if (error instanceof WWWAuthenticateChallengeError) {
    const challenge = error.cause[0];
    const providerError = challenge?.parameters.error;
    return new OAuthError(
      `the provider refused the request with HTTP ${error.status} while ${DOING[operation]}`,
      {
        code: operation === 'userinfo' ? 'OAUTH_LOGIN_REQUIRED' : 'OAUTH_PROVIDER_ERROR',
        cause: error,
        ...(providerError === undefined ? {} : { error: providerError }),
      },
    );
  }
  const links = chain(error);
  // Our own refusal (e.g. a plain-http endpoint) wrapped by openid-client keeps its code.
  const ours = links.find((link): link is OAuthError & ErrorLike => link instanceof OAuthError);
  if (ours !== undefined) return ours;
  const doing = DOING[operation];
  if (has(links, codeIs('OAUTH_TIMEOUT')) || has(links, (l) => l.name === 'TimeoutError')) {
    return new OAuthError(`the provider did not answer in time while ${doing}`, {
      code: 'OAUTH_PROVIDER_TIMEOUT',
      cause: error,
    });
  }
  if (has(links, messageMatches(/"iss" \(issuer\) response parameter|response parameter "iss"/))) {
    return new OAuthError(
      'the authorization response came from another issuer than the configured one (RFC 9207 "iss" missing or different)',
      { code: 'OAUTH_ISSUER_MISMATCH', cause: error },
    );
  }
  if (operation === 'discovery' && has(links, messageMatches(/issuer.*does not match/))) {
    return new OAuthError(
      'the discovered metadata names another issuer than "options.issuer"; configure the exact issuer identifier',
      { code: 'OAUTH_ISSUER_MISMATCH', cause: error },
    );
  }
  if (has(links, codeIs('OAUTH_HTTP_REQUEST_FORBIDDEN', 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN'))) {
    return new OAuthError(
      `the provider metadata points to a non-https endpoint; refused while ${doing}`,
      {
        code: 'OAUTH_INVALID_RESPONSE',
        cause: error,
      },
    );
  }
  if (
    has(
      links,
      codeIs(
        'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
        'OAUTH_KEY_SELECTION_FAILED',
      ),
    ) ||
    has(links, messageMatches(/\bJWT\b|ID Token|JWS|JWK|"id_token"/))
  ) {
    // The innermost message is the specific one ("unexpected ID Token "nonce" claim value").
    const reason = [...links]
      .reverse()
      .map((link) => link.message)
      .find((m) => typeof m === 'string' && /JWT|ID Token|JWS|JWK|"id_token"/.test(m));
    return new OAuthError(`the ID token failed validation: ${String(reason ?? 'invalid token')}`, {
      code: 'OAUTH_ID_TOKEN_INVALID',
      cause: error,
    });
  }
  if (has(links, codeIs('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED')) && operation === 'userinfo') {
    return new OAuthError('the userinfo response names another user than the session', {
      code: 'OAUTH_SUBJECT_MISMATCH',
      cause: error,
    });
  }
  const response = links.find((link): link is ErrorLike & Response => link instanceof Response);
  if (response?.status === 429) {
    const retryAfter = retryAfterSeconds(response.headers);
    return new OAuthError(`the provider is rate limiting requests while ${doing}`, {
      code: 'OAUTH_RATE_LIMITED',
      cause: error,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  const status = statusOf(links);
  if (status !== undefined && status >= 500) {
    return new OAuthError(`the provider answered HTTP ${status} while ${doing}`, {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      cause: error,
    });
  }
  if (
    has(
      links,
      codeIs('ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET'),
    ) ||
    has(links, messageMatches(/^fetch failed$/))
  ) {
    return new OAuthError(`the provider could not be reached while ${doing}`, {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      cause: error,
    });
  }
  const detail = links.map((link) => link.message).find((m) => typeof m === 'string' && m !== '');
  return new OAuthError(
    `the provider sent an invalid response while ${doing}${detail === undefined ? '' : `: ${String(detail)}`}`,
    {
      code: operation === 'discovery' ? 'OAUTH_PROVIDER_UNAVAILABLE' : 'OAUTH_INVALID_RESPONSE',
      cause: error,
    },
  );
}
