import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
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
      scope: 'openid profile email',
      authorizationParams: { ui_locales: 'en' },
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

describe('login', () => {
  it('signs the user in through the provider and shows them on /me', async () => {
    const agent = browser(app.url);
    const callback = await loginThroughProvider(agent);
    expect(callback.status).toBe(303);
    expect(callback.headers.location).toBe('/');
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({
      sub: 'alice',
      provider: 'default',
      name: 'Alice Example',
      email: 'alice@example.com',
      emailVerified: true,
    });
    expect(me.body.claims).toMatchObject({
      sub: 'alice',
      iss: op.issuer,
      aud: TEST_CLIENT.client_id,
    });
    expect(me.body.claims.nonce).toBeUndefined();
  });

  it('redirects to the provider with state, nonce, PKCE S256 and the configured redirect_uri', async () => {
    const url = await startLogin(browser(app.url));
    expect(url.origin).toBe(op.issuer);
    const params = url.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(TEST_CLIENT.client_id);
    expect(params.get('redirect_uri')).toBe(`${app.url}/callback`);
    expect(params.get('scope')).toBe('openid profile email');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('state')).toMatch(/^[\w-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(params.get('ui_locales')).toBe('en');
  });

  it('uses a fresh state, nonce and verifier for every login', async () => {
    const agent = browser(app.url);
    const first = await startLogin(agent);
    const second = await startLogin(agent);
    for (const name of ['state', 'nonce', 'code_challenge']) {
      expect(first.searchParams.get(name)).not.toBe(second.searchParams.get(name));
    }
  });

  it('answers the login redirect with no-store so no cache keeps it', async () => {
    const response = await browser(app.url).get('/login').expect(303);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('returns to the saved same-origin returnTo after login', async () => {
    const agent = browser(app.url);
    await agent.get('/login?returnTo=%2Fme%3Ftab%3D1').expect(303);
    const url = await startLogin(agent, '/login?returnTo=/me?tab=2');
    const callback = await agent.get(pathOf(await completeLogin(url))).expect(303);
    expect(callback.headers.location).toBe('/me?tab=2');
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    'https:evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/%2F%2Fevil.example',
    '%2F%2Fevil.example',
  ])('returns to / instead of the open redirect %s', async (returnTo) => {
    const agent = browser(app.url);
    const callback = await loginThroughProvider(agent, {
      loginPath: `/login?returnTo=${encodeURIComponent(returnTo)}`,
    });
    expect(callback.status).toBe(303);
    expect(callback.headers.location).toBe('/');
  });

  it('returns to / when returnTo is given twice', async () => {
    const callback = await loginThroughProvider(browser(app.url), {
      loginPath: '/login?returnTo=/a&returnTo=/b',
    });
    expect(callback.headers.location).toBe('/');
  });

  it('completes logins started in two tabs of one browser, each to its own returnTo', async () => {
    const agent = browser(app.url);
    const tabA = await startLogin(agent, '/login?returnTo=/a');
    const tabB = await startLogin(agent, '/login?returnTo=/b');
    const callbackA = await completeLogin(tabA);
    const callbackB = await completeLogin(tabB);
    expect((await agent.get(pathOf(callbackB))).headers.location).toBe('/b');
    expect((await agent.get(pathOf(callbackA))).headers.location).toBe('/a');
    await agent.get('/me').expect(200);
  });

  it('answers the callback with Referrer-Policy: no-referrer', async () => {
    const callback = await loginThroughProvider(browser(app.url));
    expect(callback.headers['referrer-policy']).toBe('no-referrer');
  });

  it('reports req.oauth.isAuthenticated() and req.oauthUser on every later route', async () => {
    const agent = browser(app.url);
    expect((await agent.get('/').expect(200)).body).toEqual({ signedIn: false, user: null });
    await loginThroughProvider(agent, { account: 'bob' });
    const home = await agent.get('/').expect(200);
    expect(home.body.signedIn).toBe(true);
    expect(home.body.user.sub).toBe('bob');
  });

  it('makes one token request per login and no discovery after the first', async () => {
    await loginThroughProvider(browser(app.url));
    op.resetCounts();
    await loginThroughProvider(browser(app.url));
    expect(op.count('/token')).toBe(1);
    expect(op.count('/.well-known')).toBe(0);
    expect(op.count('/jwks')).toBe(0);
  });
});
