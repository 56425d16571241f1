import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

type StoredTokens = { accessToken: string; refreshToken?: string; expiresAt?: number };

async function storedTokens(agent: ReturnType<typeof browser>): Promise<StoredTokens> {
  return (await agent.get('/session').expect(200)).body.oauth.tokens as StoredTokens;
}

/**
 * Moves Date (only Date) forward, for the middleware and the in-process provider alike, so tokens
 * expire without the test waiting; timers and I/O keep running for real.
 */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('refresh against oidc-provider with refresh-token rotation', () => {
  let op: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    op = await startTestProvider({ accessTokenTTL: 120, rotateRefreshTokens: true });
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
      }),
    });
    await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
  });

  afterAll(async () => {
    await app.close();
    await op.close();
  });

  it('refreshes an expired access token and stores the rotated refresh token', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    const before = await storedTokens(agent);
    expect(before.refreshToken).toBeDefined();
    op.resetCounts();
    const unexpired = (await agent.get('/access-token').expect(200)).body.fingerprint as string;
    expect(op.count('/token')).toBe(0);
    advanceClock(5 * 60);
    const first = (await agent.get('/access-token').expect(200)).body.fingerprint as string;
    const after = await storedTokens(agent);
    expect(first).not.toBe(unexpired);
    expect(op.count('/token')).toBe(1);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // The rotated token works: once the new access token expires, a second refresh succeeds.
    advanceClock(5 * 60);
    const second = (await agent.get('/access-token').expect(200)).body.fingerprint as string;
    expect(second).not.toBe(first);
    expect(op.count('/token')).toBe(2);
  });

  it('sends one refresh request for many concurrent requests of one session', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    op.resetCounts();
    advanceClock(5 * 60);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => agent.get('/access-token')),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(responses.map((r) => r.body.fingerprint as string)).size).toBe(1);
    expect(op.count('/token')).toBe(1);
  });
});

describe('expired tokens without a refresh token', () => {
  let op: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    op = await startTestProvider({ accessTokenTTL: 60 });
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
      }),
    });
    await op.setClient({
      ...TEST_CLIENT,
      grant_types: ['authorization_code'],
      redirect_uris: [`${app.url}/callback`],
    });
  });

  afterAll(async () => {
    await app.close();
    await op.close();
  });

  it('sends the user to log in again once the access token expired', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    expect((await storedTokens(agent)).refreshToken).toBeUndefined();
    await agent.get('/me').expect(200);
    advanceClock(5 * 60);
    {
      const page = await agent.get('/me').set('Accept', 'text/html').expect(302);
      expect(page.headers.location).toBe('/login?returnTo=%2Fme');
      const api = await agent.get('/me').expect(401);
      expect(api.body.code).toBe('OAUTH_LOGIN_REQUIRED');
      expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      expect((await agent.get('/access-token').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
    }
  });
});

describe('refresh failures', () => {
  let provider: ScriptedProvider;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startScriptedProvider({ accessTokenTtl: 60 });
    app = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        refreshLeeway: 600,
      }),
    });
  });

  afterAll(async () => {
    await app.close();
    await provider.close();
  });

  async function signedIn(): Promise<ReturnType<typeof browser>> {
    provider.reset();
    const agent = browser(app.url);
    await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
    // Past the 60 s access token's expiry: the next request must refresh.
    advanceClock(61);
    return agent;
  }

  it('ends the session when the provider answers invalid_grant, and sends the user to log in', async () => {
    const agent = await signedIn();
    provider.script.refresh = {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'revoked' },
    };
    const response = await agent.get('/access-token').expect(401);
    expect(response.body.code).toBe('OAUTH_LOGIN_REQUIRED');
    const page = await agent.get('/me').set('Accept', 'text/html').expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Fme');
  });

  it('ends the session when the refreshed ID token names another user', async () => {
    const agent = await signedIn();
    provider.script.refresh = { idToken: { claims: { sub: 'mallory' } } };
    const response = await agent.get('/access-token').expect(401);
    expect(response.body.code).toBe('OAUTH_SUBJECT_MISMATCH');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  });

  it('ends the session when the refreshed ID token comes from another issuer', async () => {
    const agent = await signedIn();
    provider.script.refresh = { idToken: { claims: { iss: 'https://evil.example' } } };
    const response = await agent.get('/access-token').expect(401);
    expect(response.body.code).toBe('OAUTH_SUBJECT_MISMATCH');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  });

  it('ends the session when the refreshed ID token has a bad signature', async () => {
    const agent = await signedIn();
    provider.script.refresh = { idToken: { key: 'foreign' } };
    const response = await agent.get('/access-token').expect(502);
    expect(response.body.code).toBe('OAUTH_ID_TOKEN_INVALID');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  });

  it('keeps the session when the provider is down during a refresh, and answers 503', async () => {
    const agent = await signedIn();
    provider.script.refresh = {
      status: 503,
      body: 'down',
      headers: { 'content-type': 'text/plain' },
    };
    const response = await agent.get('/access-token').expect(503);
    expect(response.body.code).toBe('OAUTH_PROVIDER_UNAVAILABLE');
    provider.script.refresh = undefined;
    // Backing off: the provider is not asked again at once.
    const refreshes = provider.count('/token');
    expect((await agent.get('/access-token').expect(503)).body.code).toBe(
      'OAUTH_PROVIDER_UNAVAILABLE',
    );
    expect(provider.count('/token')).toBe(refreshes);
    advanceClock(61 + 5);
    await agent.get('/access-token').expect(200);
  });
});
