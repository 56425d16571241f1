import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;
let app: TestApp;

beforeAll(async () => {
  provider = await startScriptedProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      authorizationParams: (req): Record<string, string> => {
        const hint = new URL(req.originalUrl, 'http://x.invalid').searchParams.get('login_hint');
        return hint === null ? { ui_locales: 'en' } : { ui_locales: 'en', login_hint: hint };
      },
    }),
  });
});

afterAll(async () => {
  await app.close();
  await provider.close();
});

beforeEach(() => {
  provider.reset();
});

async function signIn(): Promise<Agent> {
  const agent = browser(app.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

describe('authorization parameters', () => {
  it('takes per-request parameters from the authorizationParams function', async () => {
    const url = await startLogin(browser(app.url), '/login?login_hint=alice%40example.com');
    expect(url.searchParams.get('login_hint')).toBe('alice@example.com');
    expect(url.searchParams.get('ui_locales')).toBe('en');
  });

  it('starts a login from an application route with req.oauth.login()', async () => {
    const agent = browser(app.url);
    const response = await agent.get('/custom-login').expect(303);
    const url = new URL(response.headers.location as string);
    expect(url.searchParams.get('prompt')).toBe('login');
    const callback = await agent.get(pathOf(await authorize(provider, url))).expect(303);
    expect(callback.headers.location).toBe('/from-custom');
  });
});

describe('req.oauth', () => {
  it('fetches userinfo whose sub matches the signed-in user', async () => {
    const agent = await signIn();
    const info = await agent.get('/userinfo').expect(200);
    expect(info.body).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it('logs out locally with req.oauth.logout()', async () => {
    const agent = await signIn();
    const response = await agent.post('/local-logout').expect(200);
    expect(response.body).toEqual({ signedIn: false });
    await agent.get('/me').expect(401);
  });

  it('answers 401 from getAccessToken() without a signed-in user', async () => {
    const response = await browser(app.url).get('/userinfo').expect(401);
    expect(response.body.code).toBe('OAUTH_LOGIN_REQUIRED');
  });
});

describe('userinfo at login', () => {
  it('merges userinfo claims into req.oauthUser when fetchUserInfo is on', async () => {
    const withUserInfo = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        fetchUserInfo: true,
      }),
    });
    try {
      provider.script.userinfo = { set: { picture: 'https://img.example/alice.png' } };
      const agent = browser(withUserInfo.url);
      await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
      const me = await agent.get('/me').expect(200);
      expect(me.body).toMatchObject({ sub: 'alice', picture: 'https://img.example/alice.png' });
      expect(provider.count('/userinfo')).toBe(1);
    } finally {
      await withUserInfo.close();
    }
  });
});
