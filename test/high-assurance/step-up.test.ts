// Step-up authentication: max_age makes auth_time required and checked at the callback (OpenID
// Connect Core 3.1.2.1 and 3.1.3.7), and requireAuth({ acr, maxAge }) sends a sign-in that falls
// short back to the provider once, answers API clients with the RFC 9470 challenge, and never
// loops.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;
let app: TestApp;
let recentApp: TestApp;
let plainApp: TestApp;

beforeAll(async () => {
  provider = await startScriptedProvider();
  const client = () => ({
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
  });
  app = await startTestApp({
    oauth: client,
    routes: (express) => {
      express.get('/trade', requireAuth({ acr: 'urn:example:strong' }), (req, res) => {
        res.json({ acr: req.oauthUser?.claims.acr });
      });
      express.get('/recent', requireAuth({ maxAge: 300 }), (_req, res) => {
        res.json({ ok: true });
      });
    },
  });
  recentApp = await startTestApp({
    oauth: () => ({ ...client(), authorizationParams: { max_age: '60' } }),
  });
  // The same provider spoken to as plain OAuth 2.0: no ID token, so no auth_time and no acr.
  const plain = {
    type: 'oauth2' as const,
    authorizationEndpoint: `${provider.issuer}/authorize`,
    tokenEndpoint: `${provider.issuer}/token`,
    profileEndpoint: `${provider.issuer}/userinfo`,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
  };
  plainApp = await startTestApp({
    oauth: () => ({
      providers: {
        plain,
        plainRecent: { ...plain, authorizationParams: { max_age: '60' } },
      },
    }),
    routes: (express) => {
      express.get('/recent', requireAuth({ maxAge: 300 }), (_req, res) => {
        res.json({ ok: true });
      });
    },
  });
});

afterAll(async () => {
  await app.close();
  await recentApp.close();
  await plainApp.close();
  await provider.close();
});

beforeEach(() => {
  provider.reset();
});

async function signIn(target: TestApp, acr = 'urn:example:basic'): Promise<Agent> {
  provider.script.token = { idToken: { claims: { acr } } };
  const agent = browser(target.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

describe('max_age', () => {
  it('is sent, and a fresh auth_time passes', async () => {
    const agent = browser(recentApp.url);
    const authorization = await startLogin(agent);
    expect(authorization.searchParams.get('max_age')).toBe('60');
    await agent.get(pathOf(await authorize(provider, authorization))).expect(303);
  });

  it.each([
    ['without auth_time', { auth_time: undefined }],
    ['with an auth_time older than max_age', { auth_time: Math.floor(Date.now() / 1000) - 3600 }],
  ])('refuses an ID token %s', async (_what, claims) => {
    provider.script.token = { idToken: { claims } };
    const agent = browser(recentApp.url);
    const response = await agent.get(pathOf(await authorize(provider, await startLogin(agent))));
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('OAUTH_ID_TOKEN_INVALID');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  });
});

describe('requireAuth({ acr })', () => {
  it('sends a weaker sign-in back to the provider with acr_values, then lets the stronger one in', async () => {
    const agent = await signIn(app);
    const page = await agent.get('/trade').set('Accept', 'text/html').expect(303);
    const authorization = new URL(page.headers.location as string);
    expect(authorization.searchParams.get('acr_values')).toBe('urn:example:strong');
    provider.script.token = { idToken: { claims: { acr: 'urn:example:strong' } } };
    const back = await agent.get(pathOf(await authorize(provider, authorization))).expect(303);
    expect(back.headers.location).toBe('/trade');
    expect((await agent.get('/trade').expect(200)).body.acr).toBe('urn:example:strong');
  });

  it('keeps the previous sign-in when the provider cannot deliver the level, then answers 403 without a loop', async () => {
    const agent = await signIn(app);
    const before = (await agent.get('/session').expect(200)).body;
    const page = await agent.get('/trade').set('Accept', 'text/html').expect(303);
    // The provider signs the user in again, at the same weaker level.
    const callback = await authorize(provider, new URL(page.headers.location as string));
    const refused = await agent.get(pathOf(callback)).set('Accept', 'text/html');
    expect(refused.status).toBe(403);
    const after = (await agent.get('/session').expect(200)).body;
    expect(after.id).toBe(before.id);
    expect(after.oauth.user).toEqual(before.oauth.user);
    const again = await agent.get('/trade').set('Accept', 'text/html');
    expect(again.status).toBe(403);
    expect(again.text).toContain('OAUTH_INSUFFICIENT_AUTHENTICATION');
    await agent.get('/me').expect(200);
  });

  it('answers API clients 401 with the RFC 9470 challenge', async () => {
    const agent = await signIn(app);
    const api = await agent.get('/trade').expect(401);
    expect(api.body.code).toBe('OAUTH_INSUFFICIENT_AUTHENTICATION');
    expect(api.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="a stronger or more recent authentication is required", acr_values="urn:example:strong"',
    );
  });
});

describe('requireAuth({ maxAge })', () => {
  it('sends a sign-in older than maxAge back with max_age and prompt=login', async () => {
    provider.script.token = {
      idToken: { claims: { auth_time: Math.floor(Date.now() / 1000) - 600 } },
    };
    const agent = browser(app.url);
    await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
    const page = await agent.get('/recent').set('Accept', 'text/html').expect(303);
    const authorization = new URL(page.headers.location as string);
    expect(authorization.searchParams.get('max_age')).toBe('300');
    expect(authorization.searchParams.get('prompt')).toBe('login');
    provider.script.token = undefined;
    await agent.get(pathOf(await authorize(provider, authorization))).expect(303);
    await agent.get('/recent').expect(200);
    const api = await browser(app.url).get('/recent').expect(401);
    expect(api.body.code).toBe('OAUTH_LOGIN_REQUIRED');
  });
});

describe('a provider that cannot state auth_time or acr (plain OAuth 2.0)', () => {
  it('answers the 403 page at once instead of a trip to the provider that could never satisfy the rule', async () => {
    const agent = browser(plainApp.url);
    const login = await startLogin(agent, '/login/plain');
    await agent.get(pathOf(await authorize(provider, login))).expect(303);
    await agent.get('/me').expect(200);
    const authorizations = provider.count('/authorize');
    for (let visit = 0; visit < 2; visit += 1) {
      const page = await agent.get('/recent').set('Accept', 'text/html');
      expect(page.status).toBe(403);
      expect(page.text).toContain('OAUTH_INSUFFICIENT_AUTHENTICATION');
    }
    expect(provider.count('/authorize')).toBe(authorizations);
    await agent.get('/me').expect(200);
  });

  it('refuses, at the callback, a login that asked for max_age and came back without auth_time', async () => {
    const agent = browser(plainApp.url);
    const login = await startLogin(agent, '/login/plain');
    await agent.get(pathOf(await authorize(provider, login))).expect(303);
    const before = (await agent.get('/session').expect(200)).body;
    const authorization = await startLogin(agent, '/login/plainRecent');
    expect(authorization.searchParams.get('max_age')).toBe('60');
    const refused = await agent.get(pathOf(await authorize(provider, authorization)));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('OAUTH_INSUFFICIENT_AUTHENTICATION');
    const after = (await agent.get('/session').expect(200)).body;
    expect(after.oauth.user).toEqual(before.oauth.user);
  });
});
