import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericOAuth2 } from '../../src/index.js';
import { startGenericPhpSimulator } from '../../simulators/generic-php.js';
import type { GenericPhpSimulator } from '../../simulators/generic-php.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let oidc: ScriptedProvider;
let php: GenericPhpSimulator;
let app: TestApp;

beforeAll(async () => {
  oidc = await startScriptedProvider();
  php = await startGenericPhpSimulator();
  app = await startTestApp({
    oauth: () => ({
      providers: {
        corp: {
          label: 'Corp <SSO>',
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          clientSecret: oidc.clientSecret,
        },
        php: genericOAuth2({
          baseURL: php.url,
          clientId: php.client.clientId,
          clientSecret: php.client.clientSecret,
        }),
      },
    }),
  });
  php.addRedirectUri(`${app.url}/callback/php`);
});

afterAll(async () => {
  await app.close();
  await oidc.close();
  await php.close();
});

async function signInWithCorp(agent: Agent): Promise<void> {
  const callback = await authorize(oidc, await startLogin(agent, '/login/corp'));
  expect(callback.pathname).toBe('/callback/corp');
  await agent.get(pathOf(callback)).expect(303);
}

async function signInWithPhp(agent: Agent): Promise<void> {
  const callback = await php.approve(await startLogin(agent, '/login/php'));
  expect(callback.pathname).toBe('/callback/php');
  await agent.get(pathOf(callback)).expect(303);
}

describe('several providers at once', () => {
  it('signs in with each provider and names it in req.oauthUser.provider', async () => {
    const corp = browser(app.url);
    await signInWithCorp(corp);
    expect((await corp.get('/me').expect(200)).body).toMatchObject({
      sub: 'alice',
      provider: 'corp',
    });
    const other = browser(app.url);
    await signInWithPhp(other);
    expect((await other.get('/me').expect(200)).body).toMatchObject({
      provider: 'php',
      sub: php.user.username,
    });
  });

  it('uses a redirect_uri per provider, and exposes them to register', async () => {
    const redirectUris = { corp: `${app.url}/callback/corp`, php: `${app.url}/callback/php` };
    expect(app.router.redirectUris).toEqual(redirectUris);
    expect(app.router.postLogoutRedirectUri).toBe(`${app.url}/`);
    const corpUrl = await startLogin(browser(app.url), '/login/corp');
    const phpUrl = await startLogin(browser(app.url), '/login/php');
    expect(corpUrl.searchParams.get('redirect_uri')).toBe(redirectUris.corp);
    expect(phpUrl.searchParams.get('redirect_uri')).toBe(redirectUris.php);
  });

  it('answers 404 for an unknown provider, on login and callback', async () => {
    const agent = browser(app.url);
    for (const path of ['/login/nope', '/callback/nope?state=x&code=y', '/login/__proto__']) {
      const response = await agent.get(path).expect(404);
      expect(response.body.code).toBe('OAUTH_UNKNOWN_PROVIDER');
      expect(JSON.stringify(response.body)).not.toMatch(/at .+:\d+:\d+/);
    }
    expect((await agent.get('/').expect(200)).body).toEqual({ signedIn: false, user: null });
  });

  it('lists the providers at GET /login, escaped, keeping returnTo', async () => {
    const page = await browser(app.url).get('/login?returnTo=/me').expect(200);
    expect(page.text).toContain('href="/login/corp?returnTo=%2Fme"');
    expect(page.text).toContain('href="/login/php?returnTo=%2Fme"');
    expect(page.text).toContain('Continue with Corp &lt;SSO&gt;');
    expect(page.text).not.toContain('<SSO>');
  });

  it("refuses a callback that arrives at another provider's route (mix-up)", async () => {
    const agent = browser(app.url);
    const callback = await authorize(oidc, await startLogin(agent, '/login/corp'));
    const tokenRequests = php.count('/api/token.php');
    const oidcTokenRequests = oidc.count('/token');
    const mixedUp = `/callback/php${callback.search}`;
    const response = await agent.get(mixedUp).expect(400);
    expect(response.body.code).toBe('OAUTH_STATE_MISMATCH');
    expect(php.count('/api/token.php')).toBe(tokenRequests);
    expect(oidc.count('/token')).toBe(oidcTokenRequests);
  });

  it('switching providers regenerates the session and leaves nothing of the previous user', async () => {
    const agent = browser(app.url);
    await signInWithCorp(agent);
    const first = (await agent.get('/session').expect(200)).body as { id: string };
    await signInWithPhp(agent);
    const second = (await agent.get('/session').expect(200)).body as {
      id: string;
      oauth: { user: { provider: string; claims: Record<string, unknown> } };
    };
    expect(second.id).not.toBe(first.id);
    expect(second.oauth.user.provider).toBe('php');
    expect(second.oauth.user.claims.iss).toBeUndefined();
    expect((await agent.get('/me').expect(200)).body.provider).toBe('php');
  });

  it('sends a browser that needs to log in to the provider chooser', async () => {
    const guard = await browser(app.url).get('/me').set('Accept', 'text/html').expect(302);
    expect(guard.headers.location).toBe('/login?returnTo=%2Fme');
  });
});

describe('defaultProvider', () => {
  it('makes GET /login start a login with that provider', async () => {
    const withDefault = await startTestApp({
      oauth: () => ({
        defaultProvider: 'corp',
        providers: {
          corp: { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret },
        },
      }),
    });
    try {
      const agent = browser(withDefault.url);
      const url = await startLogin(agent, '/login?returnTo=%2Fme');
      expect(url.origin).toBe(oidc.issuer);
      expect(url.searchParams.get('redirect_uri')).toBe(`${withDefault.url}/callback/corp`);
      const callback = await authorize(oidc, url);
      expect(callback.pathname).toBe('/callback/corp');
      await agent.get(pathOf(callback)).expect(303).expect('location', '/me');
      expect((await agent.get('/me').expect(200)).body.provider).toBe('corp');
    } finally {
      await withDefault.close();
    }
  });

  it('must name a configured provider', async () => {
    await expect(
      startTestApp({
        oauth: () => ({
          defaultProvider: 'crop',
          providers: { corp: { issuer: oidc.issuer, clientId: 'c', clientSecret: 's' } },
        }),
      }),
    ).rejects.toThrow('"options.defaultProvider" must be one of "corp"');
  });
});
