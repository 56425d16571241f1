import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OAuthFetch } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { startConnectProxy } from '../helpers/connect-proxy.js';
import type { ConnectProxy } from '../helpers/connect-proxy.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

/** Paths the browser (not the app) requests from the provider. */
const BROWSER_PATHS = ['/auth', '/interaction', '/session'];

afterEach(() => {
  vi.useRealTimers();
});

describe('provider requests through a CONNECT proxy (the fetch option)', () => {
  let op: TestProvider;
  let proxy: ConnectProxy;
  let app: TestApp;
  let dispatcher: EnvHttpProxyAgent;

  beforeAll(async () => {
    op = await startTestProvider({ accessTokenTTL: 120 });
    proxy = await startConnectProxy();
    // What docs/operations.md shows, with the proxy given explicitly instead of HTTPS_PROXY.
    dispatcher = new EnvHttpProxyAgent({ httpProxy: proxy.url, httpsProxy: proxy.url });
    const proxied: OAuthFetch = (url, init) =>
      undiciFetch(url, { ...init, dispatcher } as Parameters<
        typeof undiciFetch
      >[1]) as unknown as Promise<Response>;
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        pushedAuthorizationRequests: true,
        fetch: proxied,
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
    await dispatcher.close();
    await proxy.close();
    await op.close();
  });

  it('sends every provider request of a login, userinfo, refresh and logout through the proxy', async () => {
    op.resetCounts();
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    await agent.get('/userinfo').expect(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5 * 60 * 1000 });
    await agent.get('/access-token').expect(200);
    vi.useRealTimers();
    await agent.post('/logout').set('Origin', app.url).expect(303);

    const fromApp = op.requests
      .filter((request) => !BROWSER_PATHS.some((path) => request.path.startsWith(path)))
      .map((request) => `${request.method} ${request.path}`);
    // Discovery, PAR, token, JWKS, userinfo, refresh, and revocation of both tokens.
    expect(new Set(fromApp)).toEqual(
      new Set([
        'GET /.well-known/openid-configuration',
        'POST /request',
        'POST /token',
        'GET /jwks',
        'GET /me',
        'POST /revoke',
      ]),
    );
    expect(proxy.requests.sort()).toEqual(fromApp.sort());
    expect(new Set(proxy.tunnels)).toEqual(new Set([`127.0.0.1:${op.port}`]));
  });
});
