/**
 * Proves the OpenID Provider test helpers behave as the rest of the suite assumes, so that a
 * failure elsewhere points at the relying party, not at the fixture.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createEmbeddedProvider } from '../../example-app/embedded-provider.js';
import { interactionRoutes } from '../../example-app/provider-interactions.js';
import {
  CookieJar,
  TEST_CLIENT,
  completeLogin,
  completeLogout,
  startTestProvider,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

const REDIRECT_URI = 'http://127.0.0.1:1/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:1/';

interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function authorizationRequest(
  issuer: string,
  extra: Record<string, string> = {},
): AuthorizationRequest {
  const state = randomToken();
  const nonce = randomToken();
  const codeVerifier = randomToken();
  const url = new URL(`${issuer}/auth`);
  const params = {
    client_id: TEST_CLIENT.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return { url, state, nonce, codeVerifier };
}

function basicAuth(): string {
  const credentials = `${TEST_CLIENT.client_id}:${TEST_CLIENT.client_secret}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

async function tokenRequest(issuer: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth() },
    body: new URLSearchParams(form),
  });
}

async function redeem(
  issuer: string,
  request: AuthorizationRequest,
  code: string,
): Promise<Record<string, unknown>> {
  const response = await tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: request.codeVerifier,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

async function loginAndRedeem(op: TestProvider): Promise<Record<string, unknown>> {
  const request = authorizationRequest(op.issuer);
  const callback = await completeLogin(request.url);
  return redeem(op.issuer, request, callback.searchParams.get('code')!);
}

describe('startTestProvider + completeLogin', () => {
  let op: TestProvider;

  beforeAll(async () => {
    op = await startTestProvider({ postLogoutRedirectUris: [POST_LOGOUT_URI] });
  });

  afterAll(async () => {
    await op.close();
  });

  it('serves discovery on a plain-http loopback issuer advertising RFC 9207', async () => {
    expect(op.issuer).toBe(`http://127.0.0.1:${op.port}`);
    const response = await fetch(`${op.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(op.issuer);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.revocation_endpoint).toBe(`${op.issuer}/revoke`);
    expect(metadata.end_session_endpoint).toBe(`${op.issuer}/session/end`);
  });

  it('returns the redirect back to the client with code, state and iss', async () => {
    const request = authorizationRequest(op.issuer);
    const callback = await completeLogin(request.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
  });

  it("answers error=access_denied when consent is 'deny'", async () => {
    const request = authorizationRequest(op.issuer);
    const callback = await completeLogin(request.url, { consent: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('issues ID, access and refresh tokens for the code, with profile claims in the ID token', async () => {
    const request = authorizationRequest(op.issuer);
    const callback = await completeLogin(request.url, { account: 'bob' });
    const tokens = await redeem(op.issuer, request, callback.searchParams.get('code')!);
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.token_type).toBe('Bearer');
    const claims = decodeJwt(tokens.id_token as string);
    expect(claims).toMatchObject({
      iss: op.issuer,
      aud: TEST_CLIENT.client_id,
      sub: 'bob',
      nonce: request.nonce,
      name: 'Bob Example',
      email: 'bob@example.com',
      email_verified: false,
    });
  });

  it('rotates refresh tokens by default', async () => {
    const tokens = await loginAndRedeem(op);
    const response = await tokenRequest(op.issuer, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token as string,
    });
    expect(response.status).toBe(200);
    const refreshed = (await response.json()) as Record<string, unknown>;
    expect(typeof refreshed.refresh_token).toBe('string');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('requires PKCE', async () => {
    const request = authorizationRequest(op.issuer);
    request.url.searchParams.delete('code_challenge');
    request.url.searchParams.delete('code_challenge_method');
    const callback = await completeLogin(request.url);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });

  it('fails a login as an unknown account with a clear error', async () => {
    const serverErrors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const request = authorizationRequest(op.issuer);
      await expect(completeLogin(request.url, { account: 'mallory' })).rejects.toThrow(
        /signing in as "mallory".*unexpected 500/,
      );
      expect(serverErrors).toHaveBeenCalledWith(
        '[test OpenID Provider] server_error:',
        expect.any(Error),
      );
    } finally {
      serverErrors.mockRestore();
    }
  });

  it('throws with status and body when the provider refuses the request', async () => {
    const request = authorizationRequest(op.issuer, { redirect_uri: 'http://127.0.0.1:2/nope' });
    await expect(completeLogin(request.url)).rejects.toThrow(/unexpected 400 .*redirect_uri/);
  });

  it('keeps the provider session in a shared jar (SSO without the login prompt)', async () => {
    const jar = new CookieJar();
    await completeLogin(authorizationRequest(op.issuer).url, { jar });
    expect(jar.names()).toContain('_session');
    op.resetCounts();
    const second = await completeLogin(authorizationRequest(op.issuer).url, { jar });
    expect(second.searchParams.get('code')).toBeTruthy();
    expect(op.count('/interaction')).toBe(0);
  });

  it('drives RP-initiated logout back to the post_logout_redirect_uri', async () => {
    const jar = new CookieJar();
    const request = authorizationRequest(op.issuer);
    const callback = await completeLogin(request.url, { jar });
    const tokens = await redeem(op.issuer, request, callback.searchParams.get('code')!);
    const endSession = new URL(`${op.issuer}/session/end`);
    endSession.searchParams.set('id_token_hint', tokens.id_token as string);
    endSession.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_URI);
    endSession.searchParams.set('state', 'bye');
    const back = await completeLogout(endSession, { jar });
    expect(back.href).toBe(`${POST_LOGOUT_URI}?state=bye`);
    expect(jar.get('_session')).toBeUndefined();
  });

  it('counts requests by path prefix, without the query string', async () => {
    op.resetCounts();
    expect(op.requests).toEqual([]);
    await loginAndRedeem(op);
    expect(op.count('/token')).toBe(1);
    expect(op.count('/auth')).toBeGreaterThanOrEqual(1);
    expect(op.requests[0]).toEqual({ method: 'GET', path: '/auth' });
    op.resetCounts();
    expect(op.count('/token')).toBe(0);
  });

  it('replaces a client at runtime with setClient', async () => {
    const redirectUri = 'http://127.0.0.1:3/other-callback';
    await op.setClient({ ...TEST_CLIENT, redirect_uris: [REDIRECT_URI, redirectUri] });
    const request = authorizationRequest(op.issuer, { redirect_uri: redirectUri });
    const callback = await completeLogin(request.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    await expect(op.setClient({ ...TEST_CLIENT, redirect_uris: ['not a url'] })).rejects.toThrow(
      /setClient\(test-client\).*redirect_uris must only contain valid uris/,
    );
  });
});

describe('stop() and start()', () => {
  it('makes the provider unreachable, then serves again on the same port', async () => {
    const op = await startTestProvider();
    try {
      const discovery = `${op.issuer}/.well-known/openid-configuration`;
      expect((await fetch(discovery)).status).toBe(200);
      await op.stop();
      await expect(fetch(discovery)).rejects.toThrow();
      await op.start();
      expect((await fetch(discovery)).status).toBe(200);
      const tokens = await loginAndRedeem(op);
      expect(typeof tokens.id_token).toBe('string');
    } finally {
      await op.close();
    }
    await op.close();
  });

  it('honours the TTL and rotation options', async () => {
    const op = await startTestProvider({ accessTokenTTL: 5, rotateRefreshTokens: false });
    try {
      const tokens = await loginAndRedeem(op);
      expect(tokens.expires_in).toBe(5);
      const response = await tokenRequest(op.issuer, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token as string,
      });
      const refreshed = (await response.json()) as Record<string, unknown>;
      expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    } finally {
      await op.close();
    }
  });
});

describe('backchannelLogout', () => {
  it('delivers a logout token to a loopback client despite oidc-provider SSRF guard', async () => {
    const received: string[] = [];
    const receiver = express();
    receiver.post('/backchannel', express.urlencoded({ extended: false }), (req, res) => {
      received.push(String((req.body as Record<string, unknown>).logout_token));
      res.status(200).end();
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = receiver.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const backchannelUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel`;
    const op = await startTestProvider({
      backchannelLogout: true,
      clients: [
        {
          ...TEST_CLIENT,
          post_logout_redirect_uris: [POST_LOGOUT_URI],
          backchannel_logout_uri: backchannelUri,
          backchannel_logout_session_required: true,
        },
      ],
    });
    try {
      const jar = new CookieJar();
      const request = authorizationRequest(op.issuer);
      const callback = await completeLogin(request.url, { jar });
      const tokens = await redeem(op.issuer, request, callback.searchParams.get('code')!);
      const idToken = decodeJwt(tokens.id_token as string);
      const endSession = new URL(`${op.issuer}/session/end`);
      endSession.searchParams.set('id_token_hint', tokens.id_token as string);
      endSession.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_URI);
      await completeLogout(endSession, { jar });
      expect(received).toHaveLength(1);
      expect(decodeJwt(received[0]!)).toMatchObject({
        iss: op.issuer,
        aud: TEST_CLIENT.client_id,
        sub: 'alice',
        sid: idToken.sid,
      });
    } finally {
      await op.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('createEmbeddedProvider', () => {
  let server: Server;
  let base: string;
  let embedded: Awaited<ReturnType<typeof createEmbeddedProvider>>;

  beforeAll(async () => {
    const app = express();
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    embedded = await createEmbeddedProvider({
      issuer: `${base}/oidc`,
      redirectUris: [`${base}/callback`],
      postLogoutRedirectUris: [`${base}/`],
    });
    // The sign-in and consent pages are the example app's, mounted where the provider sends them.
    app.use('/oidc/interaction', interactionRoutes(embedded.provider, { username: 'demo' }));
    app.use('/oidc', embedded.handler);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves discovery under the mount path with the prefixed issuer', async () => {
    const response = await fetch(`${base}/oidc/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(`${base}/oidc`);
    expect(metadata.authorization_endpoint).toBe(`${base}/oidc/auth`);
    expect(metadata.token_endpoint).toBe(`${base}/oidc/token`);
  });

  it("signs the demo user in through the example app's interaction pages", async () => {
    const codeVerifier = randomToken();
    const url = new URL(`${base}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: 'example-app',
      response_type: 'code',
      redirect_uri: `${base}/callback`,
      scope: 'openid profile email',
      state: 'embedded-state',
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const callback = await completeLogin(url, { account: 'demo' });
    expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/callback`);
    expect(callback.searchParams.get('iss')).toBe(`${base}/oidc`);

    const { clientId, clientSecret } = embedded;
    const response = await fetch(`${base}/oidc/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: `${base}/callback`,
        code_verifier: codeVerifier,
      }),
    });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, unknown>;
    expect(typeof tokens.refresh_token).toBe('string');
    expect(decodeJwt(tokens.id_token as string)).toMatchObject({
      iss: `${base}/oidc`,
      sub: 'demo',
      name: 'Demo User',
      email: 'demo@example.com',
      email_verified: true,
    });
  });
});
