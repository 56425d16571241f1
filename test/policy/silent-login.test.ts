// Silent login: a signed-out browser opening a guarded page tries prompt=none once. A user still
// signed in at the provider comes back signed in without a form; one who is not comes back to the
// page, signed out, with no error page; and no browser session ever tries twice (no loop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
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
