/**
 * Providers per tenant, end to end: one app, two tenants on two loopback hostnames, each with its
 * own real OpenID Provider. A sign-in, a pending login and a session belong to the tenant they
 * were made on, and are worth nothing on the other.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeOAuthEvents } from '../../src/index.js';
import type { OAuthEventName } from '../../src/index.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { completeLogin, startTestProvider } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { TEST_CLIENT } from '../helpers/oidc-provider.js';
import { pendingLoginCookies, sessionCookie, startTenantApp } from './tenant-app.js';
import type { TenantApp } from './tenant-app.js';

describe('providers per tenant: two tenants, two providers, two hostnames', () => {
  let app: TenantApp;
  let idpA: TestProvider;
  let idpB: TestProvider;
  const issuers: { a?: string; b?: string } = {};

  beforeAll(async () => {
    app = await startTenantApp({
      providers: ({ a, b }) => ({
        resolve(req) {
          // The Host header as the server received it (no proxy in front, nothing trusted).
          const host = req.headers.host;
          const tenant = host === a.host ? 'a' : host === b.host ? 'b' : undefined;
          if (tenant === undefined) return undefined;
          return {
            tenant,
            baseURL: tenant === 'a' ? a.origin : b.origin,
            providers: {
              idp: {
                issuer: issuers[tenant]!,
                clientId: TEST_CLIENT.client_id,
                clientSecret: TEST_CLIENT.client_secret,
                allowInsecureHttp: true,
              },
            },
            defaultProvider: 'idp',
          };
        },
      }),
      shared: { timeout: 5000 },
    });
    [idpA, idpB] = await Promise.all([
      startTestProvider({
        redirectUris: [`${app.a}/callback/idp`],
        postLogoutRedirectUris: [`${app.a}/`],
      }),
      startTestProvider({
        redirectUris: [`${app.b}/callback/idp`],
        postLogoutRedirectUris: [`${app.b}/`],
      }),
    ]);
    issuers.a = idpA.issuer;
    issuers.b = idpB.issuer;
  });

  afterAll(async () => {
    await app?.close();
    await idpA?.close();
    await idpB?.close();
  });

  beforeEach(() => {
    idpA.resetCounts();
    idpB.resetCounts();
  });

  /** Signs in on one tenant; returns the agent and the session cookie it holds. */
  async function signIn(origin: string, account = 'alice') {
    const agent = browser(origin);
    const authorizationUrl = await startLogin(agent, '/login/idp');
    const callback = await completeLogin(authorizationUrl, { account });
    const landed = await agent.get(pathOf(callback));
    expect(landed.status).toBe(303);
    return { agent, cookie: sessionCookie(landed.headers['set-cookie']) };
  }

  it('signs in on tenant A with A provider and on tenant B with B provider', async () => {
    const events: { event: OAuthEventName; payload: unknown }[] = [];
    const stop = subscribeOAuthEvents((event, payload) => events.push({ event, payload }));
    try {
      const onA = await signIn(app.a);
      const onB = await signIn(app.b, 'bob');
      const meA = await onA.agent.get('/me').set('Accept', 'application/json');
      const meB = await onB.agent.get('/me').set('Accept', 'application/json');
      expect(meA.status).toBe(200);
      expect(meB.status).toBe(200);
      expect(meA.body).toMatchObject({ sub: 'alice', provider: 'idp' });
      expect(meA.body.claims.iss).toBe(idpA.issuer);
      expect(meB.body.claims.iss).toBe(idpB.issuer);
      expect(idpA.count('/token')).toBe(1);
      expect(idpB.count('/token')).toBe(1);
      const session = await onA.agent.get('/session');
      expect(session.body.oauth.tenant).toBe('a');
    } finally {
      stop();
    }
    const successes = events.filter(({ event }) => event === 'loginSuccess');
    expect(successes.map(({ payload }) => (payload as { tenant?: string }).tenant)).toEqual([
      'a',
      'b',
    ]);
    const tokenRequests = events.filter(
      ({ event, payload }) =>
        event === 'providerRequest' && (payload as { endpoint: string }).endpoint === 'token',
    );
    expect(
      tokenRequests.map(({ payload }) => {
        const { tenant, url } = payload as { tenant?: string; url: string };
        return [tenant, new URL(url).origin];
      }),
    ).toEqual([
      ['a', new URL(idpA.issuer).origin],
      ['b', new URL(idpB.issuer).origin],
    ]);
  });

  it("treats A's session cookie on B as nobody signed in, and asks no provider anything", async () => {
    const { agent, cookie } = await signIn(app.a);
    const before = (await agent.get('/session')).body;
    idpA.resetCounts();
    const onB = (path: string) =>
      request(app.b).get(path).set('Cookie', cookie).set('Accept', 'application/json');
    expect((await onB('/')).body).toEqual({ signedIn: false, user: null });
    expect((await onB('/me')).status).toBe(401);
    const token = await onB('/access-token');
    expect(token.status).toBe(401);
    expect(token.body.code).toBe('OAUTH_LOGIN_REQUIRED');
    expect(idpA.count('/token')).toBe(0);
    expect(idpB.count('/token')).toBe(0);
    // Same cookie, same session: still A's, and unchanged.
    expect((await agent.get('/session')).body).toEqual(before);
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(200);
  });

  it("neither ends nor changes A's session when A's cookie logs out on B", async () => {
    const { agent, cookie } = await signIn(app.a);
    const before = (await agent.get('/session')).body;
    const logout = await request(app.b).post('/logout').set('Cookie', cookie);
    expect(logout.status).toBe(303);
    // Nobody was signed in on B: straight to B's post-logout page, not to A's provider.
    expect(logout.headers.location).toBe(`${app.b}/`);
    const local = await request(app.b).post('/local-logout').set('Cookie', cookie);
    expect(local.body).toEqual({ signedIn: false });
    expect((await agent.get('/session')).body).toEqual(before);
    expect((await agent.get('/me').set('Accept', 'application/json')).status).toBe(200);
    expect(idpA.count('/revoke')).toBe(0);
  });

  it('refuses a callback for a login started on A delivered to B, before any token request', async () => {
    const agent = browser(app.a);
    const start = await agent.get('/login/idp');
    expect(start.status).toBe(303);
    // The pending login is a cookie of A's host; an attacker copies it to B with the callback.
    const cookie = pendingLoginCookies(start.headers['set-cookie']);
    const callback = await completeLogin(new URL(start.headers.location as string));
    idpA.resetCounts();
    const onB = await request(app.b)
      .get(pathOf(callback))
      .set('Cookie', cookie)
      .set('Accept', 'application/json');
    expect(onB.status).toBe(400);
    expect(onB.body.code).toBe('OAUTH_TENANT_MISMATCH');
    expect(idpA.count('/token')).toBe(0);
    expect(idpB.count('/token')).toBe(0);
  });

  it('gives a request for an unknown host 404 OAUTH_UNKNOWN_TENANT', async () => {
    const response = await request(app.a)
      .get('/login/idp')
      .set('Host', 'elsewhere.example')
      .set('Accept', 'application/json');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('OAUTH_UNKNOWN_TENANT');
  });

  it('reports each cached tenant in health()', async () => {
    const health = await app.middleware.health();
    expect(health.providers).toEqual({});
    expect(Object.keys(health.tenants ?? {}).sort()).toEqual(['a', 'b']);
    expect(health.tenants?.a?.idp?.ready).toBe(true);
    expect(health.ready).toBe(true);
  });
});
