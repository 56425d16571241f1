// logoutParams on the end-session request, and the onRefresh / onLogout audit events: told once,
// never with a token, their failures logged, and never holding a request beyond `timeout`.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import type { OAuthLogoutEvent, OAuthRefreshEvent } from '../../src/index.js';
import { withTestApp, TEST_SECRET } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider({ accessTokenTtl: 600 });
});
afterAll(async () => {
  await provider.close();
});
beforeEach(() => provider.reset());
afterEach(() => {
  vi.useRealTimers();
});

const client = () => ({
  issuer: provider.issuer,
  clientId: provider.clientId,
  clientSecret: provider.clientSecret,
});

async function signIn(app: TestApp) {
  const agent = browser(app.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

describe('logoutParams', () => {
  it('adds its parameters to the end-session request, next to the protected ones', async () => {
    await withTestApp(
      { oauth: () => ({ ...client(), logoutParams: { state: 'after-logout', ui_locales: 'fr' } }) },
      async (app) => {
        const agent = await signIn(app);
        const logout = await agent.post('/logout').set('Origin', app.url).expect(303);
        const url = new URL(logout.headers.location as string);
        expect(url.pathname).toBe('/end-session');
        expect(url.searchParams.get('state')).toBe('after-logout');
        expect(url.searchParams.get('ui_locales')).toBe('fr');
        expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/`);
        expect(url.searchParams.get('id_token_hint')).not.toBeNull();
      },
    );
  });

  it('takes a function of the request', async () => {
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          logoutParams: (req) => ({ logout_hint: String(req.get('x-user-hint')) }),
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        const logout = await agent
          .post('/logout')
          .set('Origin', app.url)
          .set('X-User-Hint', 'alice@example.com')
          .expect(303);
        const url = new URL(logout.headers.location as string);
        expect(url.searchParams.get('logout_hint')).toBe('alice@example.com');
      },
    );
  });

  it("passes a provider's own parameter through (Auth0's federated)", async () => {
    await withTestApp(
      { oauth: () => ({ ...client(), logoutParams: { federated: '' } }) },
      async (app) => {
        const agent = await signIn(app);
        const logout = await agent.post('/logout').set('Origin', app.url).expect(303);
        const url = new URL(logout.headers.location as string);
        expect(url.searchParams.has('federated')).toBe(true);
        expect(url.searchParams.get('federated')).toBe('');
      },
    );
  });

  it('logs out all the same when the function throws, without its parameters', async () => {
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          logoutParams: () => {
            throw new Error('hint lookup failed');
          },
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        const logout = await agent.post('/logout').set('Origin', app.url).expect(303);
        const url = new URL(logout.headers.location as string);
        expect(url.pathname).toBe('/end-session');
        expect(url.searchParams.get('id_token_hint')).not.toBeNull();
        expect(app.logs.join('\n')).toContain('logoutParams() failed');
        expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      },
    );
  });

  it.each([
    ['a protected parameter', { id_token_hint: 'forged', state: 's' }],
    ['something other than an object', 'state=s'],
    ['a value that is not a string', { state: 42 }],
  ])(
    'logs out with the protected parameters only when the function returns %s',
    async (_what, answer) => {
      await withTestApp(
        { oauth: () => ({ ...client(), logoutParams: () => answer as never }) },
        async (app) => {
          const agent = await signIn(app);
          const logout = await agent.post('/logout').set('Origin', app.url).expect(303);
          const url = new URL(logout.headers.location as string);
          expect(url.searchParams.get('id_token_hint')).not.toBe('forged');
          expect(url.searchParams.get('id_token_hint')).not.toBeNull();
          expect(url.searchParams.has('state')).toBe(false);
          expect(app.logs.join('\n')).toContain('logoutParams() failed');
          expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
        },
      );
    },
  );

  it.each(['id_token_hint', 'post_logout_redirect_uri', 'client_id'])(
    'refuses to let %s be overridden, at creation',
    (name) => {
      expect(() =>
        oauthMiddleware({
          secret: TEST_SECRET,
          ...client(),
          baseURL: 'http://127.0.0.1',
          logoutParams: { [name]: 'x' },
        }),
      ).toThrow(`"options.logoutParams" must be free of "${name}"`);
    },
  );
});

describe('onRefresh and onLogout', () => {
  it('tells each refresh and each logout once, without any token', async () => {
    const refreshes: OAuthRefreshEvent[] = [];
    const logouts: OAuthLogoutEvent[] = [];
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          onRefresh: (event) => {
            refreshes.push(event);
          },
          onLogout: async (event) => {
            logouts.push(event);
          },
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 700_000 });
        await Promise.all([agent.get('/me'), agent.get('/me'), agent.get('/access-token')]);
        vi.useRealTimers();
        await agent.post('/logout').set('Origin', app.url).expect(303);
      },
    );
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]).toMatchObject({ provider: 'default', user: { sub: 'alice' } });
    expect(refreshes[0]?.tokens.hasRefreshToken).toBe(true);
    expect(logouts).toEqual([
      expect.objectContaining({
        reason: 'logout',
        user: expect.objectContaining({ sub: 'alice' }),
      }),
    ]);
    expect(JSON.stringify([refreshes, logouts])).not.toMatch(/"[A-Za-z0-9_-]{40,}"/);
  });

  it('logs a failing hook and logs out all the same', async () => {
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          onLogout: () => Promise.reject(new Error('audit store down')),
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        await agent.post('/logout').set('Origin', app.url).expect(303);
        expect(app.logs.join('\n')).toContain('onLogout failed');
        expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      },
    );
  });

  it('logs a failing onRefresh and serves the renewed request all the same', async () => {
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          onRefresh: () => Promise.reject(new Error('audit store down')),
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 700_000 });
        await agent.get('/access-token').expect(200);
        vi.useRealTimers();
        expect(provider.count('/token')).toBe(2);
        expect(app.logs.join('\n')).toContain('onRefresh failed');
      },
    );
  });

  it('never holds a renewed request longer than the timeout for a slow onRefresh', async () => {
    await withTestApp(
      {
        oauth: () => ({ ...client(), timeout: 300, onRefresh: () => new Promise<void>(() => {}) }),
      },
      async (app) => {
        const agent = await signIn(app);
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 700_000 });
        const started = performance.now();
        await agent.get('/access-token').expect(200);
        vi.useRealTimers();
        expect(performance.now() - started).toBeLessThan(3_000);
      },
    );
  });

  it('tells onLogout "refresh" when the provider refuses to renew the session', async () => {
    const logouts: OAuthLogoutEvent[] = [];
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          onLogout: (event) => {
            logouts.push(event);
          },
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        provider.script.refresh = { status: 400, body: { error: 'invalid_grant' } };
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 700_000 });
        await agent.get('/access-token').expect(401);
        vi.useRealTimers();
      },
    );
    expect(logouts.map((event) => event.reason)).toEqual(['refresh']);
  });

  it('tells onLogout "backchannel" for a back-channel logout', async () => {
    const logouts: OAuthLogoutEvent[] = [];
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          routes: { backchannelLogout: '/backchannel-logout' },
          onLogout: (event) => {
            logouts.push(event);
          },
        }),
      },
      async (app) => {
        await signIn(app);
        const token = await provider.sign({
          iss: provider.issuer,
          aud: provider.clientId,
          iat: Math.floor(Date.now() / 1000),
          jti: randomUUID(),
          events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
          sub: 'alice',
        });
        await request(app.url)
          .post('/backchannel-logout')
          .type('form')
          .send({ logout_token: token })
          .expect(200);
      },
    );
    expect(logouts).toEqual([
      expect.objectContaining({
        reason: 'backchannel',
        user: expect.objectContaining({ sub: 'alice' }),
      }),
    ]);
  });

  it('never holds the logout longer than the timeout for a slow hook', async () => {
    await withTestApp(
      {
        oauth: () => ({
          ...client(),
          timeout: 300,
          onLogout: () => new Promise<void>(() => {}),
        }),
      },
      async (app) => {
        const agent = await signIn(app);
        const started = Date.now();
        await agent.post('/logout').set('Origin', app.url).expect(303);
        expect(Date.now() - started).toBeLessThan(3_000);
      },
    );
  });
});
