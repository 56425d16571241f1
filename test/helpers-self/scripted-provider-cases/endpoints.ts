// Endpoint cases: token, authorization response, discovery, userinfo and refresh misbehaving.
import {
  accepted,
  authz,
  claimMismatch,
  fail,
  html,
  invalid,
  notConform,
  nr,
  on,
  sig,
  socketDropped,
  timedOut,
  token,
} from './shared.js';
import type { OpenidCase } from './shared.js';

export const endpointCases: OpenidCase[] = [
  token(
    'token 200 text/html',
    { headers: html, body: '<html>login</html>' },
    fail('ClientError', 'RESPONSE_IS_NOT_JSON', 'Response(200)'),
  ),
  token(
    'token 500 text/html',
    { status: 500, headers: html, body: '<h1>oops</h1>' },
    notConform(500),
  ),
  token(
    'token 500 with a JSON error body',
    { status: 500, body: { error: 'server_error' } },
    notConform(500),
  ),
  token('token 503 empty', { status: 503, body: '' }, notConform(503)),
  token(
    'token JSON array',
    { body: [1, 2] },
    invalid('"response" body must be a top level object'),
  ),
  token(
    'token truncated JSON',
    { body: '{"access_token":"abc","tok' },
    fail('ClientError', 'PARSE_ERROR', 'failed to parse "response" body as JSON'),
  ),
  token('token {}', { body: {} }, invalid('"access_token" property must be a string')),
  token(
    'token without access_token',
    { set: { access_token: undefined } },
    invalid('"access_token" property must be a string'),
  ),
  token(
    'token_type mac',
    { set: { token_type: 'mac' } },
    fail('ClientError', 'UNSUPPORTED_OPERATION', 'unsupported `token_type` value'),
  ),
  token(
    'token without id_token',
    { set: { id_token: undefined } },
    invalid('"id_token" property must be a string'),
  ),
  token(
    'token 400 invalid_grant',
    { status: 400, body: { error: 'invalid_grant', error_description: 'nope' } },
    fail('ResponseBodyError', 'RESPONSE_BODY_ERROR', 'server responded with an error', {
      error: 'invalid_grant',
      error_description: 'nope',
      status: 400,
    }),
  ),
  token(
    'token 401 with WWW-Authenticate',
    {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="x", error="invalid_client"' },
      body: { error: 'invalid_client' },
    },
    fail('WWWAuthenticateChallengeError', 'WWW_AUTHENTICATE_CHALLENGE', 'challenge', {
      status: 401,
    }),
  ),
  token(
    'token 401 without WWW-Authenticate',
    { status: 401, body: { error: 'invalid_client' } },
    fail('ResponseBodyError', 'RESPONSE_BODY_ERROR', 'error in the response body', {
      error: 'invalid_client',
      status: 401,
    }),
  ),
  token(
    'token 302 to another host',
    { status: 302, headers: { location: 'http://127.0.0.2:9/token' }, body: '' },
    notConform(302),
  ),
  token(
    'token 429 + Retry-After, empty body',
    { status: 429, headers: { 'retry-after': '1' }, body: '' },
    notConform(429),
  ),
  token(
    'token 429 + Retry-After, slow_down',
    { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow_down' } },
    fail('ResponseBodyError', 'RESPONSE_BODY_ERROR', 'error in the response body', {
      error: 'slow_down',
      status: 429,
    }),
  ),
  token('token hangs, timeout 1 s', { hang: true }, timedOut, 1),
  token('token socket dropped', { drop: true }, socketDropped),
  token('token 50 ms late: ACCEPTED', { delayMs: 50 }, accepted),

  authz(
    'authz response without iss',
    { iss: undefined },
    invalid('response parameter "iss" (issuer) missing'),
  ),
  authz(
    'authz response with another iss',
    { iss: 'http://evil.example' },
    invalid('unexpected "iss" (issuer) response parameter value'),
  ),
  authz(
    'authz response error=access_denied',
    { error: 'access_denied', error_description: 'no', code: undefined },
    fail(
      'AuthorizationResponseError',
      'AUTHORIZATION_RESPONSE_ERROR',
      'authorization response from the server is an error',
      { error: 'access_denied', error_description: 'no' },
    ),
  ),
  authz(
    'authz response with another state',
    { state: 'other' },
    invalid('unexpected "state" response parameter value'),
  ),
  authz(
    'authz response without state',
    { state: undefined },
    invalid('response parameter "state" missing'),
  ),
  authz(
    'authz response without code',
    { code: undefined },
    invalid('no authorization code in "callbackParameters"'),
  ),
  authz(
    'authz response with an id_token',
    { id_token: 'a.b.c' },
    fail('ClientError', 'UNSUPPORTED_OPERATION', 'implicit and hybrid flows are not supported'),
  ),
  authz('authz response with an access_token: ACCEPTED', { access_token: 'leaked' }, accepted),

  on(
    'discovery',
    'discovery issuer other',
    (p) => (p.script.discovery = { set: { issuer: 'http://evil.example' } }),
    fail(
      'ClientError',
      'JSON_ATTRIBUTE_COMPARISON_FAILED',
      'discovered metadata issuer does not match the expected issuer',
      { cause: { attribute: 'issuer' } },
    ),
  ),
  on(
    'discovery',
    'discovery issuer with a trailing slash: ACCEPTED',
    (p) => (p.script.discovery = { set: { issuer: `${p.issuer}/` } }),
    accepted,
  ),
  on(
    'discovery',
    'discovery 500',
    (p) => (p.script.discovery = { status: 500, body: '' }),
    notConform(500),
  ),
  on(
    'discovery',
    'discovery text/html',
    (p) => (p.script.discovery = { headers: html, body: '<html/>' }),
    fail('ClientError', 'RESPONSE_IS_NOT_JSON', 'Response(200)'),
  ),
  {
    ...on(
      'discovery',
      'discovery hangs, timeout 1 s',
      (p) => (p.script.discovery = { hang: true }),
      timedOut,
    ),
    options: { timeout: 1 },
  },
  on(
    'discovery',
    'discovery socket dropped',
    (p) => (p.script.discovery = { drop: true }),
    socketDropped,
  ),
  on(
    'code',
    'token_endpoint ftp://',
    (p) => (p.script.discovery = { set: { token_endpoint: `ftp://127.0.0.1:${p.port}/token` } }),
    fail('ClientError', 'REQUEST_PROTOCOL_FORBIDDEN', 'only HTTP and HTTPS requests are allowed'),
  ),

  on(
    'userinfo',
    'userinfo other sub',
    (p) => (p.script.userinfo = { set: { sub: 'mallory' } }),
    fail(
      'ClientError',
      'JSON_ATTRIBUTE_COMPARISON_FAILED',
      'unexpected "response" body "sub" property value',
    ),
  ),
  on(
    'userinfo',
    'userinfo without sub',
    (p) => (p.script.userinfo = { set: { sub: undefined } }),
    invalid('"sub" property must be a string'),
  ),
  on(
    'userinfo',
    'userinfo 401 Bearer invalid_token',
    (p) =>
      (p.script.userinfo = {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        body: '',
      }),
    fail('WWWAuthenticateChallengeError', 'WWW_AUTHENTICATE_CHALLENGE', 'challenge', {
      status: 401,
      cause: [{ scheme: 'bearer' }],
    }),
  ),
  on(
    'userinfo',
    'userinfo 500',
    (p) => (p.script.userinfo = { status: 500, body: '' }),
    notConform(500),
  ),
  {
    ...on(
      'userinfo',
      'userinfo distributed claims: ACCEPTED raw, source never fetched',
      (p) => (p.script.userinfo = { claimSources: 'distributed' }),
      accepted,
    ),
    check: (result, p) => {
      if (!(result && typeof result === 'object' && '_claim_sources' in result))
        throw new Error('no _claim_sources');
      if (p.count('/distributed') !== 0)
        throw new Error('openid-client fetched the distributed source');
    },
  },
  on(
    'userinfo',
    'userinfo aggregated claims: ACCEPTED raw',
    (p) => (p.script.userinfo = { claimSources: 'aggregated' }),
    accepted,
  ),

  on(
    'refresh',
    'refresh 400 invalid_grant',
    (p) => (p.script.refresh = { status: 400, body: { error: 'invalid_grant' } }),
    fail('ResponseBodyError', 'RESPONSE_BODY_ERROR', 'error in the response body', {
      error: 'invalid_grant',
      status: 400,
    }),
  ),
  {
    ...on(
      'refresh',
      'refresh id_token with another sub: ACCEPTED',
      (p) => (p.script.refresh = { idToken: { claims: { sub: 'bob' } } }),
      accepted,
    ),
    check: (result) => {
      const claims = (result as { claims(): { sub?: string } | undefined }).claims();
      if (claims?.sub !== 'bob') throw new Error('expected the foreign sub to pass through');
    },
  },
  on(
    'refresh',
    'refresh id_token with another iss',
    (p) => (p.script.refresh = { idToken: { claims: { iss: 'http://evil.example' } } }),
    claimMismatch('unexpected JWT "iss"'),
  ),
  on(
    'refresh',
    'refresh id_token with a nonce: ACCEPTED',
    (p) => (p.script.refresh = { idToken: { claims: { nonce: 'n' } } }),
    accepted,
  ),
  on(
    'refresh',
    'refresh without id_token: ACCEPTED',
    (p) => (p.script.refresh = { set: { id_token: undefined } }),
    accepted,
  ),
  {
    ...on(
      'refresh',
      'refresh id_token foreign key (NR)',
      (p) => (p.script.refresh = { idToken: { key: 'foreign' } }),
      invalid(sig),
    ),
    options: nr,
  },
];
