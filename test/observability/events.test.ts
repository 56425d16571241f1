import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { createMemoryRefreshLock, OAUTH_CHANNELS, subscribeOAuthEvents } from '../../src/index.js';
import type { OAuthEventName, OAuthRefreshLock } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import { UNREACHABLE_ORIGIN } from '../helpers/unreachable.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import {
  completeLogin,
  completeLogout,
  CookieJar,
  startTestProvider,
  TEST_CLIENT,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

/** Moves Date (only Date) forward, so tokens expire without the test waiting. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

/** A lock that can be made to look held by another instance, once or for good. */
function controllableLock(): OAuthRefreshLock & { busyOnce: boolean; busyForever: boolean } {
  const inner = createMemoryRefreshLock();
  const lock = {
    busyOnce: false,
    busyForever: false,
    async acquire(key: string, ttlMs: number) {
      if (lock.busyForever) {
        // Another instance that never finishes: the clock runs past the waiting deadline.
        advanceClock(120);
        return undefined;
      }
      if (lock.busyOnce) {
        lock.busyOnce = false;
        return undefined;
      }
      return inner.acquire(key, ttlMs);
    },
    release: (key: string, token: string) => inner.release(key, token),
  };
  return lock;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('events on node:diagnostics_channel', () => {
  let op: TestProvider;
  let app: TestApp;
  let down: TestApp;
  const lock = controllableLock();
  const events: { name: OAuthEventName; payload: unknown }[] = [];
  /** Every token, code, secret and cookie value the flows below saw. */
  const secrets = new Set<string>([TEST_CLIENT.client_secret]);
  let unsubscribe: () => void;

  beforeAll(async () => {
    unsubscribe = subscribeOAuthEvents((name, payload) => events.push({ name, payload }));
    op = await startTestProvider({ backchannelLogout: true, accessTokenTTL: 120 });
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        routes: { backchannelLogout: '/backchannel-logout' },
        refreshLock: lock,
      }),
    });
    await op.setClient({
      ...TEST_CLIENT,
      redirect_uris: [`${app.url}/callback`],
      post_logout_redirect_uris: [`${app.url}/`],
      backchannel_logout_uri: `${app.url}/backchannel-logout`,
      backchannel_logout_session_required: true,
    });
    // A provider nobody answers at.
    down = await startTestApp({
      oauth: () => ({
        issuer: UNREACHABLE_ORIGIN,
        clientId: 'c',
        clientSecret: 'down-secret-value',
      }),
    });
    secrets.add('down-secret-value');
  });

  afterAll(async () => {
    unsubscribe();
    await app.close();
    await down.close();
    await op.close();
  });

  function remember(response: request.Response): void {
    for (const cookie of [response.headers['set-cookie'] ?? []].flat() as string[]) {
      const value = cookie.split(';')[0]?.split('=').slice(1).join('=');
      if (value !== undefined && value.length > 8) secrets.add(value);
    }
  }

  async function rememberTokens(agent: Agent): Promise<void> {
    const tokens = (await agent.get('/session').expect(200)).body.oauth?.tokens as
      Record<string, unknown> | undefined;
    for (const value of Object.values(tokens ?? {})) {
      if (typeof value === 'string' && value.length > 8) secrets.add(value);
    }
  }

  async function signIn(jar = new CookieJar()): Promise<Agent> {
    const agent = browser(app.url);
    const authorization = await startLogin(agent);
    secrets.add(authorization.searchParams.get('state') as string);
    secrets.add(authorization.searchParams.get('code_challenge') as string);
    const callback = await completeLogin(authorization, { jar });
    secrets.add(callback.searchParams.get('code') as string);
    remember(await agent.get(pathOf(callback)).expect(303));
    await rememberTokens(agent);
    return agent;
  }

  it('publishes every event of login, refresh, logout and back-channel logout, and no secret', async () => {
    // Login, then a refresh that first waits for the lock.
    const agent = await signIn();
    advanceClock(5 * 60);
    lock.busyOnce = true;
    await agent.get('/access-token').expect(200);
    await rememberTokens(agent);
    // A refresh stuck behind another instance's lock.
    const stuck = await signIn();
    advanceClock(5 * 60);
    lock.busyForever = true;
    const timedOut = await stuck.get('/access-token');
    lock.busyForever = false;
    expect(timedOut.body.code).toBe('OAUTH_PROVIDER_TIMEOUT');
    vi.useRealTimers();
    // Logout through the app (revocation at the provider).
    remember(await agent.post('/logout').set('Origin', app.url).expect(303));
    // Back-channel logout: the user signs out at the provider, which calls the app.
    const jar = new CookieJar();
    const phone = await signIn(jar);
    await completeLogout(new URL(`${op.issuer}/session/end`), { jar });
    await phone.get('/me').expect(401);
    // Failures: a forged back-channel call, a callback without a login, a provider that is down.
    await request(app.url).post('/backchannel-logout').type('form').send({ logout_token: 'x.y.z' });
    await browser(app.url).get('/callback?state=forged-state&code=forged-code').expect(400);
    secrets.add('forged-code');
    await browser(down.url).get('/login').expect(503);

    const names = new Set(events.map((event) => event.name));
    expect([...names].sort()).toEqual(Object.keys(OAUTH_CHANNELS).sort());
    const of = (name: OAuthEventName) =>
      events.filter((event) => event.name === name).map((event) => event.payload);
    expect(of('loginStart')).toContainEqual(expect.objectContaining({ provider: 'default' }));
    expect(of('loginSuccess').length).toBeGreaterThanOrEqual(3);
    expect(of('loginFailure')).toContainEqual(
      expect.objectContaining({ step: 'callback', code: 'OAUTH_NO_TRANSACTION', status: 400 }),
    );
    expect(of('loginFailure')).toContainEqual(
      expect.objectContaining({ step: 'start', code: 'OAUTH_PROVIDER_UNAVAILABLE' }),
    );
    expect(of('refresh')).toContainEqual(expect.objectContaining({ outcome: 'success' }));
    expect(of('refreshLockWait')).toHaveLength(1);
    expect(of('refreshLockTimeout')).toHaveLength(1);
    expect(of('logout')).toContainEqual({ provider: 'default', endSession: true });
    expect(of('backchannelLogout')).toContainEqual(
      expect.objectContaining({ outcome: 'success', sessions: 1 }),
    );
    expect(of('backchannelLogout')).toContainEqual(
      expect.objectContaining({ outcome: 'failure', code: 'OAUTH_LOGOUT_TOKEN_INVALID' }),
    );
    const requests = of('providerRequest') as { endpoint: string; url: string; error?: string }[];
    expect(new Set(requests.map((r) => r.endpoint))).toEqual(
      new Set(['discovery', 'token', 'jwks', 'revocation']),
    );
    expect(requests).toContainEqual(expect.objectContaining({ error: 'ECONNREFUSED' }));
    for (const r of requests) expect(r.url).not.toContain('?');

    const serialised = JSON.stringify(events);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(serialised).not.toContain(secret);
    }
  });
});
