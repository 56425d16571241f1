/**
 * The scripted provider, proven with openid-client v6 (6.8.9, oauth4webapi 3.8.8) as the RP.
 *
 * What openid-client raises, per misbehaviour (each row is asserted below). "ClientError" means
 * openid-client's `ClientError`: its `.message` is generic, the specific text is on `.cause.message`
 * (an oauth4webapi OperationProcessingError / UnsupportedOperationError with the same `.code`), or
 * `.cause` is the `Response` (status in `.cause.status`) for the *_NOT_CONFORM / *_NOT_JSON codes.
 * ResponseBodyError / WWWAuthenticateChallengeError / AuthorizationResponseError are re-exported by
 * openid-client; all three carry `.code`, `.status` (not the authz one), `.error` (not WWW-Auth.).
 * "NR" = with `enableNonRepudiationChecks(config)`; without it the ID token SIGNATURE IS NEVER CHECKED.
 *
 * | case                                   | class                         | code (OAUTH_…)           | detail (cause message / error / status)
 * |----------------------------------------|-------------------------------|--------------------------|-----------------------------------------
 * | ID token, foreign key (bad signature)  | ACCEPTED without NR; NR: ClientError | INVALID_RESPONSE  | JWT signature verification failed
 * | ID token alg none (with or without NR) | ClientError                   | INVALID_RESPONSE         | unexpected JWT "alg" header parameter
 * | ID token HS256 w/ client secret (±NR)  | ClientError                   | INVALID_RESPONSE         | unexpected JWT "alg" header parameter
 * | ID token crit: unknown extension (±NR) | ClientError                   | UNSUPPORTED_OPERATION    | no JWT "crit" header parameter extensions are supported
 * | unknown kid                            | ACCEPTED without NR; NR: ClientError | KEY_SELECTION_FAILED | …no applicable keys found
 * | no kid, JWKS has 2 keys                | ACCEPTED without NR; NR: ClientError | KEY_SELECTION_FAILED | …multiple applicable keys found, a "kid" … is required
 * | new kid after rotateKeys (NR)          | ClientError until the cached JWKS is 60 s old (then refetched, OK) | KEY_SELECTION_FAILED | …no applicable keys found
 * | JWKS 500 / empty keys / hang (NR)      | ClientError                   | RESPONSE_IS_NOT_CONFORM / KEY_SELECTION_FAILED / TIMEOUT
 * | iss other / missing                    | ClientError                   | JWT_CLAIM_COMPARISON_FAILED / INVALID_RESPONSE | unexpected JWT "iss" (issuer) claim value / JWT "iss" (issuer) claim missing
 * | aud other / missing                    | ClientError                   | JWT_CLAIM_COMPARISON_FAILED / INVALID_RESPONSE | unexpected JWT "aud" (audience) claim value / … claim missing
 * | aud [client, other], no azp            | ClientError                   | JWT_CLAIM_COMPARISON_FAILED | ID Token "aud" (audience) claim includes additional untrusted audiences
 * | aud [client, other], azp = client      | ACCEPTED                      |                          |
 * | aud [client, other], azp = other       | ClientError                   | JWT_CLAIM_COMPARISON_FAILED | unexpected ID Token "azp" (authorized party) claim value
 * | aud = client, azp = other              | ACCEPTED (azp only checked with several audiences)
 * | exp 120 s past / missing / a string    | ClientError                   | JWT_TIMESTAMP_CHECK_FAILED / INVALID_RESPONSE | …"exp"… expiration is past current timestamp / claim missing / claim type
 * | exp 10 s past                          | ACCEPTED (default clockTolerance 30 s)
 * | iat 1 h in the future / 2 days past    | ACCEPTED (not checked for ID tokens)
 * | iat missing                            | ClientError                   | INVALID_RESPONSE         | JWT "iat" (issued at) claim missing
 * | nbf 1 h in the future                  | ClientError                   | JWT_TIMESTAMP_CHECK_FAILED | unexpected JWT "nbf" (not before) claim value
 * | nonce other / missing                  | ClientError                   | JWT_CLAIM_COMPARISON_FAILED / INVALID_RESPONSE | unexpected ID Token "nonce" claim value / JWT "nonce" (nonce) claim missing
 * | nonce present, none expected           | ClientError                   | JWT_CLAIM_COMPARISON_FAILED | unexpected ID Token "nonce" claim value (checked by hand)
 * | sub missing / a number                 | ClientError                   | INVALID_RESPONSE         | JWT "sub" (subject) claim missing / unexpected … claim type
 * | auth_time a string                     | ClientError                   | INVALID_RESPONSE         | ID Token "auth_time" (authentication time) must be a number
 * | token: 200 text/html                   | ClientError                   | RESPONSE_IS_NOT_JSON     | cause = Response (200)
 * | token: 500 HTML / 500 JSON error / 500 empty / 503 | ClientError       | RESPONSE_IS_NOT_CONFORM  | cause = Response (500/503): 5xx bodies are never parsed
 * | token: JSON array                      | ClientError                   | INVALID_RESPONSE         | "response" body must be a top level object
 * | token: truncated JSON                  | ClientError                   | PARSE_ERROR              | failed to parse "response" body as JSON
 * | token: {} / no access_token            | ClientError                   | INVALID_RESPONSE         | "response" body "access_token" property must be a string
 * | token: token_type mac                  | ClientError                   | UNSUPPORTED_OPERATION    | unsupported `token_type` value
 * | token: no id_token (nonce was expected)| ClientError                   | INVALID_RESPONSE         | "response" body "id_token" property must be a string
 * | token: no id_token, no expectedNonce/maxAge | ACCEPTED, claims() undefined (checked by hand, not below)
 * | token: 400 {error:'invalid_grant'}     | ResponseBodyError             | RESPONSE_BODY_ERROR      | .error 'invalid_grant', .status 400, .cause = body (also: real PKCE mismatch, code reuse)
 * | token: 401 + WWW-Authenticate          | WWWAuthenticateChallengeError | WWW_AUTHENTICATE_CHALLENGE | .status 401, .cause = [{ scheme: 'basic', parameters }]
 * | token: 401 JSON, no WWW-Authenticate   | ResponseBodyError             | RESPONSE_BODY_ERROR      | .error 'invalid_client', .status 401
 * | token: 302 to another host             | ClientError                   | RESPONSE_IS_NOT_CONFORM  | cause = Response (302), redirect not followed
 * | token: 429 + Retry-After, empty body   | ClientError                   | RESPONSE_IS_NOT_CONFORM  | cause = Response (429); no retry
 * | token: 429 + {error:'slow_down'}       | ResponseBodyError             | RESPONSE_BODY_ERROR      | .error 'slow_down', .status 429
 * | token / discovery / JWKS hang, timeout 1 s | ClientError               | TIMEOUT                  | 'operation timed out', cause DOMException name 'TimeoutError'
 * | token / discovery: socket dropped      | TypeError 'fetch failed' (no code) | cause SocketError UND_ERR_SOCKET 'other side closed'
 * | token / discovery: provider stopped    | TypeError 'fetch failed' (no code) | cause Error code ECONNREFUSED
 * | authz response: iss missing            | ClientError                   | INVALID_RESPONSE         | response parameter "iss" (issuer) missing
 * | authz response: iss other              | ClientError                   | INVALID_RESPONSE         | unexpected "iss" (issuer) response parameter value
 * | authz response: error=access_denied    | AuthorizationResponseError    | AUTHORIZATION_RESPONSE_ERROR | .error 'access_denied', .error_description, .cause = URLSearchParams
 * | authz response: state other / missing  | ClientError                   | INVALID_RESPONSE         | unexpected "state" response parameter value / response parameter "state" missing
 * | authz response: no code                | ClientError                   | INVALID_RESPONSE         | no authorization code in "callbackParameters"
 * | authz response: + id_token             | ClientError                   | UNSUPPORTED_OPERATION    | implicit and hybrid flows are not supported
 * | authz response: + access_token         | ACCEPTED (ignored)
 * | discovery: issuer other                | ClientError                   | JSON_ATTRIBUTE_COMPARISON_FAILED | 'discovered metadata issuer does not match the expected issuer', .cause { expected, body, attribute }
 * | discovery: issuer with trailing '/'    | ACCEPTED (compared as URL href)
 * | discovery: 500 / text/html             | ClientError                   | RESPONSE_IS_NOT_CONFORM / RESPONSE_IS_NOT_JSON | cause = Response
 * | discovery over http w/o allowInsecureRequests | ClientError            | HTTP_REQUEST_FORBIDDEN   | only requests to HTTPS are allowed
 * | token_endpoint ftp://…                 | ClientError                   | REQUEST_PROTOCOL_FORBIDDEN | only HTTP and HTTPS requests are allowed
 * | userinfo: other sub / missing sub      | ClientError                   | JSON_ATTRIBUTE_COMPARISON_FAILED / INVALID_RESPONSE | unexpected "response" body "sub" property value / … must be a string
 * | userinfo: 401 Bearer invalid_token     | WWWAuthenticateChallengeError | WWW_AUTHENTICATE_CHALLENGE | .status 401, scheme 'bearer'
 * | userinfo: 500                          | ClientError                   | RESPONSE_IS_NOT_CONFORM  | cause = Response (500)
 * | userinfo: distributed / aggregated     | ACCEPTED, returned raw: _claim_names/_claim_sources untouched, source NEVER fetched
 * | refresh: old (rotated) refresh token   | ResponseBodyError             | RESPONSE_BODY_ERROR      | .error 'invalid_grant', .status 400
 * | refresh: ID token with another sub     | ACCEPTED — the RP must compare sub itself
 * | refresh: ID token with another iss     | ClientError                   | JWT_CLAIM_COMPARISON_FAILED | unexpected JWT "iss" (issuer) claim value
 * | refresh: ID token with a nonce / none  | ACCEPTED / ACCEPTED (claims() undefined)
 * | refresh: foreign key (NR)              | ClientError                   | INVALID_RESPONSE         | JWT signature verification failed
 */
import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { endpointCases } from './scripted-provider-cases/endpoints.js';
import { idTokenCases } from './scripted-provider-cases/id-token.js';
import type { Flow } from './scripted-provider-cases/shared.js';

const redirectUri = 'http://127.0.0.1:9/callback';
let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider({ keyCount: 2 });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

interface DiscoverOptions {
  nonRepudiation?: boolean;
  timeout?: number;
  auth?: client.ClientAuth;
}

function discover(options: DiscoverOptions = {}): Promise<client.Configuration> {
  const execute = [client.allowInsecureRequests];
  if (options.nonRepudiation) execute.push(client.enableNonRepudiationChecks);
  return client.discovery(
    new URL(provider.issuer),
    provider.clientId,
    provider.clientSecret,
    options.auth,
    {
      execute,
      timeout: options.timeout,
    },
  );
}

/** The whole front channel + code exchange, as the middleware will do it. */
async function login(config: client.Configuration) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await authorize(provider, url);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { callback, tokens, nonce };
}

/** Runs one flow; the case's script is applied at the step it targets. */
async function run(flow: Flow, apply: () => void, options: DiscoverOptions): Promise<unknown> {
  if (flow === 'discovery' || flow === 'code') apply();
  const config = await discover(options);
  if (flow === 'discovery') return config;
  const { tokens } = await login(config);
  if (flow === 'code') return tokens;
  apply();
  return flow === 'refresh'
    ? client.refreshTokenGrant(config, tokens.refresh_token!)
    : client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & Record<string, unknown>;
}

/** The specific text: a ClientError's own message is generic, its cause says what happened. */
function detail(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Response) return `Response(${cause.status})`;
  return `${error.message} | ${cause instanceof Error ? cause.message : ''}`;
}

describe('honest provider, openid-client as the RP', () => {
  it('publishes the expected discovery document', async () => {
    const metadata = (await discover()).serverMetadata();
    expect(metadata).toMatchObject({
      issuer: provider.issuer,
      authorization_endpoint: `${provider.issuer}/authorize`,
      token_endpoint: `${provider.issuer}/token`,
      userinfo_endpoint: `${provider.issuer}/userinfo`,
      jwks_uri: `${provider.issuer}/jwks`,
      end_session_endpoint: `${provider.issuer}/end-session`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    expect(provider.jwks().keys.map((k) => k.kid)).toContain(provider.kid);
  });

  it('runs code + PKCE, refresh with rotation, userinfo, end-session', async () => {
    const config = await discover({ nonRepudiation: true });
    const { callback, tokens, nonce } = await login(config);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('iss')).toBe(provider.issuer);
    expect(provider.last('/token')?.form?.get('redirect_uri')).toBe(redirectUri);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'openid email', expires_in: 3600 });
    expect(tokens.claims()).toMatchObject({
      iss: provider.issuer,
      sub: 'alice',
      aud: provider.clientId,
      nonce,
      name: 'Alice Example',
      email: 'alice@example.com',
    });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()).toMatchObject({ sub: 'alice' });
    expect(refreshed.claims()?.nonce).toBeUndefined();
    const reused = await failure(client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(reused).toMatchObject({
      name: 'ResponseBodyError',
      error: 'invalid_grant',
      status: 400,
    });

    const userinfo = await client.fetchUserInfo(config, refreshed.access_token, 'alice');
    expect(userinfo).toEqual({ sub: 'alice', name: 'Alice Example', email: 'alice@example.com' });

    const logout = client.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token! });
    expect((await fetch(logout)).status).toBe(200);
    expect(provider.last('/end-session')?.query.get('id_token_hint')).toBe(refreshed.id_token);
  });

  it('accepts client_secret_basic, follows runtime subject changes, codes are single use', async () => {
    provider.subject = 'bob';
    const config = await discover({ auth: client.ClientSecretBasic(provider.clientSecret) });
    const { tokens } = await login(config);
    expect(tokens.claims()?.sub).toBe('bob');
    expect(provider.last('/token')?.headers.authorization).toMatch(/^Basic /);

    // Replaying the exact token request must fail: the code was spent.
    const form = provider.last('/token')!.form!;
    const again = await fetch(provider.url('/token'), {
      method: 'POST',
      headers: { authorization: provider.last('/token')!.headers.authorization! },
      body: form,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('rejects a token request whose redirect_uri differs from the authorization', async () => {
    const config = await discover();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
    });
    const callback = await authorize(provider, url);
    const moved = new URL(`http://127.0.0.1:9/elsewhere${callback.search}`);
    const error = await failure(
      client.authorizationCodeGrant(config, moved, {
        pkceCodeVerifier: verifier,
        expectedState: 'st',
      }),
    );
    expect(error).toMatchObject({ name: 'ResponseBodyError', error: 'invalid_grant' });
    expect(provider.last('/token')?.form?.get('redirect_uri')).toBe('http://127.0.0.1:9/elsewhere');
  });
});

describe('what openid-client raises (the table above)', () => {
  for (const c of [...idTokenCases, ...endpointCases]) {
    it(c.name, async () => {
      const result = run(c.flow, () => c.apply(provider), c.options ?? {});
      if (c.expect === 'accepted') {
        // Awaited first: `c.check?.(await result)` would skip the await when there is no check.
        const value = await result;
        c.check?.(value, provider);
        return;
      }
      const error = await failure(result);
      expect(error.constructor.name).toBe(c.expect.type);
      expect(error.code).toBe(c.expect.code);
      expect(error).toMatchObject(c.expect.props ?? {});
      expect(detail(error)).toContain(c.expect.detail);
    });
  }
});

describe('provider-side checks, lifecycle and helpers', () => {
  it('refuses plain http discovery unless allowInsecureRequests', async () => {
    const error = await failure(client.discovery(new URL(provider.issuer), provider.clientId));
    expect(error).toMatchObject({ name: 'ClientError', code: 'OAUTH_HTTP_REQUEST_FORBIDDEN' });
  });

  it('validates PKCE and client authentication itself', async () => {
    const config = await discover();
    const noPkce = await authorize(
      provider,
      `/authorize?client_id=${provider.clientId}&response_type=code&state=s&redirect_uri=${encodeURIComponent(redirectUri)}`,
    );
    expect(Object.fromEntries(noPkce.searchParams)).toMatchObject({
      error: 'invalid_request',
      state: 's',
      iss: provider.issuer,
    });

    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const callback = await authorize(provider, url);
    const wrong = client.randomPKCECodeVerifier();
    const error = await failure(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: wrong,
        expectedState: 's',
      }),
    );
    expect(error).toMatchObject({
      error: 'invalid_grant',
      error_description: 'PKCE verification failed',
    });

    const badSecret = await discover({ auth: client.ClientSecretBasic('wrong-secret') });
    const challenged = await failure(login(badSecret));
    expect(challenged).toMatchObject({ name: 'WWWAuthenticateChallengeError', status: 401 });
  });

  it('applies a script `times` times, then answers honestly', async () => {
    provider.script.token = {
      times: 1,
      // A function body sees the honest body (here after the code was really spent) and the request.
      body: (honest, { request }) => ({ ...honest, token_type: request.form!.get('grant_type')! }),
    };
    const config = await discover();
    const error = await failure(login(config));
    expect(error.cause).toMatchObject({ message: 'unsupported `token_type` value' });
    await expect(login(config)).resolves.toMatchObject({ tokens: { token_type: 'bearer' } });
    expect(provider.count('/token')).toBe(2);
  });

  it('stop() makes it unreachable (TypeError ECONNREFUSED), start() revives it on the same port', async () => {
    const config = await discover();
    const port = provider.port;
    await provider.stop();
    const down = await failure(login(config));
    expect(down).toBeInstanceOf(TypeError);
    expect(down.message).toBe('fetch failed');
    expect((down.cause as { code?: string }).code).toBe('ECONNREFUSED');
    await provider.start();
    expect(provider.port).toBe(port);
    await expect(login(config)).resolves.toBeDefined();
  });

  it('close() ends hanging requests at once', async () => {
    const other = await startScriptedProvider();
    other.script.discovery = { hang: true };
    const pending = fetch(other.url('/.well-known/openid-configuration'));
    await vi.waitFor(() => expect(other.count('/.well-known/openid-configuration')).toBe(1));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow(TypeError);
  });

  it('rotateKeys(): the new kid is refused until the cached JWKS is 60 s old, then refetched', async () => {
    const config = await discover({ nonRepudiation: true });
    await login(config);
    const oldKid = provider.kid;
    const fetches = provider.count('/jwks');
    const newKid = await provider.rotateKeys();
    expect(provider.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(provider.jwks().keys.map((k) => k.kid)).toContain(newKid);
    const refused = await failure(login(config));
    expect(refused).toMatchObject({ code: 'OAUTH_KEY_SELECTION_FAILED' });
    expect(provider.count('/jwks')).toBe(fetches);

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      await expect(login(config)).resolves.toBeDefined();
      expect(provider.count('/jwks')).toBe(fetches + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sign() produces the JWT variants tests need', async () => {
    const claims = { iss: provider.issuer, sub: 'alice', events: { 'urn:example': {} } };
    const jwks = createLocalJWKSet(provider.jwks());
    const honest = await provider.sign(claims, { header: { typ: 'logout+jwt' } });
    const verified = await jwtVerify(honest, jwks, { typ: 'logout+jwt' });
    expect(verified.protectedHeader).toMatchObject({ alg: 'RS256', kid: provider.kid });

    await expect(jwtVerify(await provider.sign(claims, { key: 'foreign' }), jwks)).rejects.toThrow(
      'signature verification failed',
    );
    const unsigned = await provider.sign(claims, { key: 'none' });
    expect(unsigned.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(unsigned)).toEqual({ alg: 'none' });
    const hmac = await provider.sign(claims, { key: 'hs256' });
    await expect(
      jwtVerify(hmac, new TextEncoder().encode(provider.clientSecret)),
    ).resolves.toBeDefined();
    // Keyed with the published key itself, as PEM and as JWK JSON, under the current kid.
    const published = provider.jwks().keys[0]!;
    const pem = createPublicKey({ key: published, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    for (const [key, secret] of [
      ['hs256-public-pem', pem],
      ['hs256-public-jwk', JSON.stringify(published)],
    ] as const) {
      const confused = await provider.sign(claims, { key });
      expect(decodeProtectedHeader(confused)).toEqual({ alg: 'HS256', kid: provider.kid });
      await expect(jwtVerify(confused, new TextEncoder().encode(secret))).resolves.toBeDefined();
    }
    const crit = await provider.sign(claims, { header: { crit: ['urn:x'], 'urn:x': 1 } });
    expect(decodeProtectedHeader(crit)).toMatchObject({ crit: ['urn:x'] });
  });

  it('serves distributed claims and records who fetched them', async () => {
    const config = await discover();
    const { tokens } = await login(config);
    provider.script.userinfo = { claimSources: 'distributed' };
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice');
    const source = (
      userinfo._claim_sources as Record<string, { endpoint: string; access_token: string }>
    ).src1!;
    expect(provider.count('/distributed')).toBe(0);
    const response = await fetch(source.endpoint, {
      headers: { authorization: `Bearer ${source.access_token}` },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(decodeJwt(await response.text())).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
    });
    expect(provider.count('/distributed')).toBe(1);
  });
});
