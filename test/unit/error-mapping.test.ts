// Every library error the package can meet, mapped to the package's code and status. The
// library's messages are replaced by a meaningless one in every row: the mapping must be decided by
// the error's class, its `code` and its structured `cause`, so a reworded message in
// openid-client or oauth4webapi can never change a code applications branch on.
import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { OperationProcessingError, UnsupportedOperationError } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { OAUTH_ERROR_STATUS, OAuthError } from '../../src/errors.js';
import type { OAuthErrorCode } from '../../src/errors.js';
import { toOAuthError } from '../../src/providers/error-mapping.js';
import type { ProviderOperation } from '../../src/providers/provider-operation.js';

const REWORDED = 'a message no mapping may read';

function response(status: number, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 || status === 304 ? null : '', { status, headers });
}

/** ClientError takes its code in its options, which its declaration types as ErrorOptions. */
function clientErrorOptions(code: string, cause: unknown): ErrorOptions {
  return { cause, code } as ErrorOptions;
}

/** openid-client's wrapping of an oauth4webapi error, as its errorHandler builds it. */
function library(code: string, cause: unknown, wrapCause = true): ClientError {
  const inner = new OperationProcessingError(REWORDED, { code, cause });
  return new ClientError(REWORDED, clientErrorOptions(code, wrapCause ? inner : cause));
}

function bodyError(status: number, error: string, headers: Record<string, string> = {}) {
  return new ResponseBodyError(REWORDED, {
    cause: { error, error_description: 'described' },
    response: response(status, headers),
  });
}

function challenge(status: number, error: string) {
  return new WWWAuthenticateChallengeError(REWORDED, {
    cause: [{ scheme: 'bearer', parameters: { error } }],
    response: response(status),
  });
}

function networkFailure(cause: Error): TypeError {
  return new TypeError(REWORDED, { cause });
}

const systemError = Object.assign(new Error(REWORDED), { code: 'ECONNREFUSED' });

const TABLE: [string, () => unknown, ProviderOperation, OAuthErrorCode][] = [
  // Authorization responses
  [
    'error=access_denied',
    () =>
      new AuthorizationResponseError(REWORDED, {
        cause: new URLSearchParams('error=access_denied'),
      }),
    'callback',
    'OAUTH_ACCESS_DENIED',
  ],
  [
    'error=login_required',
    () =>
      new AuthorizationResponseError(REWORDED, {
        cause: new URLSearchParams('error=login_required'),
      }),
    'callback',
    'OAUTH_AUTHORIZATION_ERROR',
  ],
  // OAuth error bodies (RFC 6749 §5.2)
  [
    'invalid_grant at the token endpoint',
    () => bodyError(400, 'invalid_grant'),
    'token',
    'OAUTH_INVALID_GRANT',
  ],
  [
    'invalid_grant at refresh',
    () => bodyError(400, 'invalid_grant'),
    'refresh',
    'OAUTH_INVALID_GRANT',
  ],
  // RFC 9449 §8 and §9: asked again after openid-client's one retry with the nonce
  [
    'use_dpop_nonce at the token endpoint',
    () => bodyError(400, 'use_dpop_nonce', { 'dpop-nonce': 'n' }),
    'token',
    'OAUTH_DPOP_NONCE_LOOP',
  ],
  [
    'use_dpop_nonce at refresh',
    () => bodyError(400, 'use_dpop_nonce', { 'dpop-nonce': 'n' }),
    'refresh',
    'OAUTH_DPOP_NONCE_LOOP',
  ],
  [
    'use_dpop_nonce at userinfo',
    () => challenge(401, 'use_dpop_nonce'),
    'userinfo',
    'OAUTH_DPOP_NONCE_LOOP',
  ],
  [
    'use_dpop_nonce at an API',
    () => challenge(401, 'use_dpop_nonce'),
    'resource',
    'OAUTH_DPOP_NONCE_LOOP',
  ],
  [
    'invalid_client (401) at the token endpoint',
    () => bodyError(401, 'invalid_client'),
    'token',
    'OAUTH_CLIENT_REJECTED',
  ],
  [
    'invalid_client (401) at the pushed authorization request endpoint',
    () => bodyError(401, 'invalid_client'),
    'authorize',
    'OAUTH_CLIENT_REJECTED',
  ],
  [
    'unauthorized_client at refresh',
    () => bodyError(400, 'unauthorized_client'),
    'refresh',
    'OAUTH_CLIENT_REJECTED',
  ],
  [
    '429 with an error body',
    () => bodyError(429, 'slow_down', { 'retry-after': '7' }),
    'token',
    'OAUTH_RATE_LIMITED',
  ],
  [
    '503 with an error body',
    () => bodyError(503, 'temporarily_unavailable'),
    'token',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  ['invalid_request', () => bodyError(400, 'invalid_request'), 'token', 'OAUTH_PROVIDER_ERROR'],
  // WWW-Authenticate challenges (RFC 6750 §3)
  [
    '401 challenge at userinfo',
    () => challenge(401, 'invalid_token'),
    'userinfo',
    'OAUTH_LOGIN_REQUIRED',
  ],
  [
    '401 invalid_client challenge at the token endpoint',
    () => challenge(401, 'invalid_client'),
    'token',
    'OAUTH_CLIENT_REJECTED',
  ],
  [
    '403 insufficient_scope challenge at userinfo',
    () => challenge(403, 'insufficient_scope'),
    'userinfo',
    'OAUTH_PROVIDER_ERROR',
  ],
  // Answers that are not conform: the status decides
  [
    '400 without an OAuth error body at refresh',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(400), false),
    'refresh',
    'OAUTH_PROVIDER_ERROR',
  ],
  [
    '401 without a body at the token endpoint',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(401), false),
    'token',
    'OAUTH_CLIENT_REJECTED',
  ],
  [
    '500 at the token endpoint',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(500), false),
    'token',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  [
    '429 without a body',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(429, { 'retry-after': '3' }), false),
    'refresh',
    'OAUTH_RATE_LIMITED',
  ],
  [
    '302 redirect from the token endpoint',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(302), false),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    '404 at discovery',
    () => library('OAUTH_RESPONSE_IS_NOT_CONFORM', response(404), false),
    'discovery',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  [
    '401 not JSON at userinfo',
    () => library('OAUTH_RESPONSE_IS_NOT_JSON', response(401), false),
    'userinfo',
    'OAUTH_LOGIN_REQUIRED',
  ],
  [
    '200 not JSON at the token endpoint',
    () => library('OAUTH_RESPONSE_IS_NOT_JSON', response(200), false),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    '200 not JSON at discovery',
    () => library('OAUTH_RESPONSE_IS_NOT_JSON', response(200), false),
    'discovery',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  // Comparisons, by structured cause
  [
    'metadata "issuer" differs',
    () => library('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', { attribute: 'issuer', expected: 'x' }),
    'discovery',
    'OAUTH_ISSUER_MISMATCH',
  ],
  [
    'userinfo "sub" differs',
    () => library('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', { attribute: 'sub', expected: 'x' }),
    'userinfo',
    'OAUTH_SUBJECT_MISMATCH',
  ],
  [
    'another JSON attribute differs',
    () => library('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', { attribute: 'resource' }),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    'ID token "iss" differs at login',
    () => library('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'iss', claims: {} }),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'ID token "iss" differs at refresh',
    () => library('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'iss', claims: {} }),
    'refresh',
    'OAUTH_SUBJECT_MISMATCH',
  ],
  [
    'ID token "nonce" differs',
    () => library('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'nonce', claims: {} }),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'ID token "aud" differs at refresh',
    () => library('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'aud', claims: {} }),
    'refresh',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'ID token "exp" passed',
    () => library('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', { claim: 'exp', claims: {} }),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'no single key matches',
    () => library('OAUTH_KEY_SELECTION_FAILED', { header: {} }),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  // Invalid responses: a JWT in the cause means the ID token
  [
    'ID token that is no JWT',
    () => library('OAUTH_INVALID_RESPONSE', 'not-a-jwt'),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'ID token claim of the wrong type',
    () => library('OAUTH_INVALID_RESPONSE', { claims: { iat: 'x' } }),
    'refresh',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'token response attribute of the wrong type',
    () => library('OAUTH_INVALID_RESPONSE', { body: { scope: 1 } }),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    'unsupported ID token algorithm',
    () =>
      new ClientError(
        REWORDED,
        clientErrorOptions(
          'OAUTH_UNSUPPORTED_OPERATION',
          new UnsupportedOperationError(REWORDED, { cause: { alg: 'none' } }),
        ),
      ),
    'token',
    'OAUTH_ID_TOKEN_INVALID',
  ],
  [
    'unparsable body',
    () => library('OAUTH_PARSE_ERROR', new SyntaxError(REWORDED)),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    'metadata without an endpoint',
    () => library('OAUTH_MISSING_SERVER_METADATA', { attribute: 'userinfo_endpoint' }),
    'userinfo',
    'OAUTH_INVALID_RESPONSE',
  ],
  // Transport
  [
    'plain http endpoint',
    () => library('OAUTH_HTTP_REQUEST_FORBIDDEN', new URL('http://op.example')),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    'non-http endpoint',
    () => library('OAUTH_REQUEST_PROTOCOL_FORBIDDEN', new URL('ftp://op.example')),
    'discovery',
    'OAUTH_INVALID_RESPONSE',
  ],
  [
    'openid-client timeout',
    () =>
      new ClientError(
        REWORDED,
        clientErrorOptions('OAUTH_TIMEOUT', new DOMException(REWORDED, 'TimeoutError')),
      ),
    'token',
    'OAUTH_PROVIDER_TIMEOUT',
  ],
  [
    'AbortSignal.timeout',
    () => new DOMException(REWORDED, 'TimeoutError'),
    'userinfo',
    'OAUTH_PROVIDER_TIMEOUT',
  ],
  ['connection refused', () => networkFailure(systemError), 'token', 'OAUTH_PROVIDER_UNAVAILABLE'],
  [
    'socket closed without a system code',
    () => networkFailure(new Error(REWORDED)),
    'refresh',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  [
    'undici socket error',
    () => networkFailure(Object.assign(new Error(REWORDED), { code: 'UND_ERR_SOCKET' })),
    'discovery',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  // Anything else
  [
    'unknown failure at discovery',
    () => new Error(REWORDED),
    'discovery',
    'OAUTH_PROVIDER_UNAVAILABLE',
  ],
  [
    'unknown failure at the token endpoint',
    () => new Error(REWORDED),
    'token',
    'OAUTH_INVALID_RESPONSE',
  ],
];

describe('the mapping of library errors to OAuthError codes', () => {
  it.each(TABLE)('%s → (%s) %s', (_what, make, operation, code) => {
    const error = make();
    const mapped = toOAuthError(error, operation);
    expect(mapped).toBeInstanceOf(OAuthError);
    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(OAUTH_ERROR_STATUS[code]);
    expect(mapped.cause).toBe(error);
    expect(mapped.message).not.toContain('token=');
  });

  it('keeps the provider error and description, and when to try again', () => {
    const mapped = toOAuthError(bodyError(429, 'slow_down', { 'retry-after': '7' }), 'token');
    expect(mapped).toMatchObject({
      error: 'slow_down',
      errorDescription: 'described',
      retryAfter: 7,
    });
  });

  it("returns the package's own error found anywhere in the cause chain, unchanged", () => {
    const ours = new OAuthError('refused', { code: 'OAUTH_INVALID_RESPONSE' });
    expect(toOAuthError(new ClientError(REWORDED, { cause: ours }), 'discovery')).toBe(ours);
    expect(toOAuthError(ours, 'token')).toBe(ours);
  });
});
