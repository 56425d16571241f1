import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

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
