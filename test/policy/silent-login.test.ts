// Silent login: a signed-out browser opening a guarded page tries prompt=none once. A user still
// signed in at the provider comes back signed in without a form; one who is not comes back to the
// page, signed out, with no error page; and no browser session ever tries twice (no loop).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireAuth } from '../../src/index.js';
import { startTestApp, TEST_SECRET, withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import {
  completeLogin,
  CookieJar,
  startTestProvider,
  TEST_CLIENT,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { authorize, clientOf, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let op: TestProvider;
let app: TestApp;

beforeAll(async () => {
  op = await startTestProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      silentLogin: true,
    }),
  });
  await op.setClient({
    ...TEST_CLIENT,
    redirect_uris: [`${app.url}/callback`],
    post_logout_redirect_uris: [`${app.url}/`],
  });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

/** A browser asking for the guarded page: where the app sends it. */
async function openPage(agent: Agent): Promise<URL> {
  const page = await agent.get('/me').set('Accept', 'text/html');
  expect([302, 303]).toContain(page.status);
  return new URL(page.headers.location as string, app.url);
}

describe('silent login', () => {
  it('signs in a user who is still signed in at the provider, without any form', async () => {
    const jar = new CookieJar();
    await loginThroughProvider(browser(app.url), { jar });
    const agent = browser(app.url);
    const authorization = await openPage(agent);
    expect(authorization.origin).toBe(new URL(op.issuer).origin);
    expect(authorization.searchParams.get('prompt')).toBe('none');
    const callback = await completeLogin(authorization, { jar });
    expect(callback.searchParams.get('code')).not.toBeNull();
    const landed = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(303);
    expect(landed.headers.location).toBe('/me');
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
  });

  it('brings a user signed out at the provider back to the page, signed out, with no error page, and tries only once', async () => {
    const agent = browser(app.url);
    const authorization = await openPage(agent);
    expect(authorization.searchParams.get('prompt')).toBe('none');
    const callback = await completeLogin(authorization, { jar: new CookieJar() });
    expect(callback.searchParams.get('error')).toBe('login_required');
    const back = await agent.get(pathOf(callback)).set('Accept', 'text/html');
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/me');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
    // The second time, in the same browser session: the ordinary way to log in.
    const second = await agent.get('/me').set('Accept', 'text/html').expect(302);
    expect(second.headers.location).toBe('/login?returnTo=%2Fme');
  });

  it('lets an explicit login clear the mark, so a later session can try again', async () => {
    const agent = browser(app.url);
    const authorization = await openPage(agent);
    await agent.get(pathOf(await completeLogin(authorization, { jar: new CookieJar() })));
    await agent.get('/me').set('Accept', 'text/html').expect(302);
    const login = await agent.get('/login').expect(303);
    expect(String(login.headers['set-cookie'])).toMatch(/oauth_silent=;.*Expires=Thu, 01 Jan 1970/);
    // The mark is gone: the next signed-out visit tries a silent login again.
    const again = await openPage(agent);
    expect(again.searchParams.get('prompt')).toBe('none');
  });

  it('never signs a user who just logged out straight back in', async () => {
    const jar = new CookieJar();
    const agent = browser(app.url);
    await loginThroughProvider(agent, { jar });
    await agent.post('/logout').set('Origin', app.url).expect(303);
    // Still signed in at the provider, but the app does not try a silent login now.
    const page = await agent.get('/me').set('Accept', 'text/html').expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Fme');
  });

  it('keeps the mark in a cookie, not in the session store', async () => {
    const agent = browser(app.url);
    const page = await agent.get('/me').set('Accept', 'text/html');
    expect(String(page.headers['set-cookie'])).toMatch(
      /oauth_silent=tried; Path=\/; HttpOnly; SameSite=Lax/,
    );
  });

  it('never tries for API requests, which get 401 at once', async () => {
    const agent = browser(app.url);
    const api = await agent.get('/me').expect(401);
    expect(api.body.code).toBe('OAUTH_LOGIN_REQUIRED');
  });
});

describe('silent login, as the provider answers it', () => {
  let provider: ScriptedProvider;

  beforeAll(async () => {
    provider = await startScriptedProvider();
  });
  afterAll(async () => {
    await provider.close();
  });
  beforeEach(() => provider.reset());

  /** An app whose /quiet page alone tries a silent login (`requireAuth({ silent: true })`). */
  function withRouteApp(test: (app: TestApp) => Promise<void>): Promise<void> {
    return withTestApp(
      {
        oauth: () => clientOf(provider),
        routes: (express) => {
          express.get('/quiet', requireAuth({ silent: true }), (req, res) => {
            res.json(req.oauthUser);
          });
        },
      },
      test,
    );
  }

  it.each(['login_required', 'consent_required', 'interaction_required'])(
    'brings the browser back to the page, signed out, on %s',
    async (error) => {
      provider.script.authorize = { set: { error, code: undefined } };
      await withRouteApp(async (app) => {
        const agent = browser(app.url);
        const page = await agent.get('/quiet').set('Accept', 'text/html').expect(303);
        const authorization = new URL(page.headers.location as string);
        expect(authorization.searchParams.get('prompt')).toBe('none');
        const callback = await authorize(provider, authorization);
        expect(callback.searchParams.get('error')).toBe(error);
        const back = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(303);
        expect(back.headers.location).toBe('/quiet');
        expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
      });
    },
  );

  it('shows the error page for any other error of a silent login', async () => {
    provider.script.authorize = { set: { error: 'access_denied', code: undefined } };
    await withRouteApp(async (app) => {
      const agent = browser(app.url);
      const page = await agent.get('/quiet').set('Accept', 'text/html').expect(303);
      const callback = await authorize(provider, page.headers.location as string);
      const back = await agent.get(pathOf(callback)).set('Accept', 'text/html');
      expect(back.status).toBe(403);
    });
  });

  it('tries only on the routes that ask, with silentLogin off', async () => {
    await withRouteApp(async (app) => {
      const agent = browser(app.url);
      const other = await agent.get('/me').set('Accept', 'text/html').expect(302);
      expect(other.headers.location).toBe('/login?returnTo=%2Fme');
      const quiet = await agent.get('/quiet').set('Accept', 'text/html').expect(303);
      expect(new URL(quiet.headers.location as string).searchParams.get('prompt')).toBe('none');
    });
  });

  it('tries once per tab opened at the same time, then never again: no loop', async () => {
    provider.script.authorize = { set: { error: 'login_required', code: undefined } };
    await withRouteApp(async (app) => {
      const agent = browser(app.url);
      // Three tabs of one browser, opened before any of them got the mark.
      const tabs = await Promise.all(
        [1, 2, 3].map(() => agent.get('/quiet').set('Accept', 'text/html').expect(303)),
      );
      const callbacks = await Promise.all(
        tabs.map((tab) => authorize(provider, tab.headers.location as string)),
      );
      for (const callback of callbacks) {
        const back = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(303);
        expect(back.headers.location).toBe('/quiet');
      }
      // Every tab, back on the page: the ordinary login, never prompt=none again.
      for (let reload = 0; reload < 3; reload += 1) {
        const again = await agent.get('/quiet').set('Accept', 'text/html').expect(302);
        expect(again.headers.location).toBe('/login?returnTo=%2Fquiet');
      }
      expect(provider.count('/authorize')).toBe(3);
    });
  });

  it('needs defaultProvider with several providers: refused at creation, skipped per route', async () => {
    const providers = { first: clientOf(provider), second: clientOf(provider) };
    expect(() =>
      oauthMiddleware({
        secret: TEST_SECRET,
        baseURL: 'http://127.0.0.1',
        providers,
        silentLogin: true,
      }),
    ).toThrow(
      '"options.silentLogin" must be false unless defaultProvider names the provider to ask',
    );
    await withTestApp(
      {
        oauth: () => ({ providers }),
        routes: (express) => {
          express.get('/quiet', requireAuth({ silent: true }), (_req, res) => {
            res.json({});
          });
        },
      },
      async (app) => {
        const agent = browser(app.url);
        for (let visit = 0; visit < 2; visit += 1) {
          const page = await agent.get('/quiet').set('Accept', 'text/html').expect(302);
          expect(page.headers.location).toBe('/login?returnTo=%2Fquiet');
        }
        const warnings = app.logs.filter((line) => line.includes('tries no silent login'));
        expect(warnings).toHaveLength(1);
        expect(provider.count('/authorize')).toBe(0);
      },
    );
  });
});
