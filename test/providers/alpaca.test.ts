import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { alpaca } from '../../src/index.js';
import { startAlpacaSimulator } from '../../simulators/alpaca.js';
import type { AlpacaSimulator } from '../../simulators/alpaca.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { expectRefused, expectSignedOut, withParam } from './refusal.js';

let sim: AlpacaSimulator;
let app: TestApp;

beforeAll(async () => {
  sim = await startAlpacaSimulator();
  const client = { clientId: sim.client.clientId, clientSecret: sim.client.clientSecret };
  app = await startTestApp({
    oauth: (baseURL) => {
      for (const name of ['alpaca', 'alpaca-live', 'alpaca-odd-scope']) {
        sim.addRedirectUri(`${baseURL}/callback/${name}`);
      }
      return {
        // A year without expiry: longer than the default absoluteDuration (7 days).
        absoluteDuration: 400 * 24 * 3600,
        providers: {
          alpaca: alpaca({
            ...client,
            scope: 'account:write trading',
            environment: 'paper',
            appURL: sim.appUrl,
            apiURL: sim.paperApiUrl,
          }),
          'alpaca-live': alpaca({
            ...client,
            scope: 'account:write trading',
            appURL: sim.appUrl,
            apiURL: sim.liveApiUrl,
          }),
          // Alpaca knows account:write, trading and data; anything else is invalid_scope.
          'alpaca-odd-scope': alpaca({
            ...client,
            scope: 'account:write options',
            appURL: sim.appUrl,
            apiURL: sim.paperApiUrl,
          }),
        },
      };
    },
  });
});

afterAll(async () => {
  await app.close();
  await sim.close();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Starts a login with `provider` and plays the user; returns the agent and the redirect back. */
async function authorize(
  provider = 'alpaca',
  options: { deny?: boolean } = {},
): Promise<{ agent: Agent; callback: URL }> {
  const agent = browser(app.url);
  const authorizationUrl = await startLogin(agent, `/login/${provider}`);
  const callback = await sim.approve(authorizationUrl, options);
  return { agent, callback };
}

async function signIn(provider = 'alpaca'): Promise<Agent> {
  const { agent, callback } = await authorize(provider);
  await agent.get(pathOf(callback)).expect(303).expect('location', '/');
  return agent;
}

describe('alpaca preset against the Alpaca simulator', () => {
  it('signs in with the paper account: the trading account is the profile', async () => {
    const agent = await signIn('alpaca');
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      sub: sim.user.paper.id,
      provider: 'alpaca',
      name: `Alpaca account ${sim.user.paper.account_number}`,
      claims: { ...sim.user.paper },
    });
    expect(me.body.email).toBeUndefined();
  });

  it('sends the documented authorization request: code, client_id, redirect_uri, state and the scopes', async () => {
    const agent = browser(app.url);
    const authorizationUrl = await startLogin(agent, '/login/alpaca');
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(sim.authorizationEndpoint);
    const params = authorizationUrl.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(sim.client.clientId);
    expect(params.get('redirect_uri')).toBe(`${app.url}/callback/alpaca`);
    expect(params.get('scope')).toBe('account:write trading');
    expect(params.get('state')).toMatch(/^[\w-]{20,}$/);
  });

  it('exchanges the code on the paper API host and reads the paper account there', async () => {
    const before = sim.requests.length;
    await signIn('alpaca');
    const calls = sim.requests.slice(before).filter((r) => r.server !== 'app');
    expect(calls.map((r) => `${r.server} ${r.method} ${r.path}`)).toEqual([
      'paper POST /oauth/token',
      'paper GET /v2/account',
    ]);
  });

  it('exchanges the code on the live API host and reads the live account there', async () => {
    const before = sim.requests.length;
    const agent = await signIn('alpaca-live');
    const calls = sim.requests.slice(before).filter((r) => r.server !== 'app');
    expect(calls.map((r) => `${r.server} ${r.method} ${r.path}`)).toEqual([
      'live POST /oauth/token',
      'live GET /v2/account',
    ]);
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ sub: sim.user.live.id, provider: 'alpaca-live' });
  });

  it('points at the documented hosts by environment when no URL is overridden', () => {
    const credentials = { clientId: 'id', clientSecret: 'secret', scope: 'trading' };
    const live = alpaca(credentials);
    const paper = alpaca({ ...credentials, environment: 'paper' });
    expect(live).toMatchObject({
      authorizationEndpoint: 'https://app.alpaca.markets/oauth/authorize',
      tokenEndpoint: 'https://api.alpaca.markets/oauth/token',
      profileEndpoint: 'https://api.alpaca.markets/v2/account',
    });
    expect(paper).toMatchObject({
      authorizationEndpoint: 'https://app.alpaca.markets/oauth/authorize',
      tokenEndpoint: 'https://paper-api.alpaca.markets/oauth/token',
      profileEndpoint: 'https://paper-api.alpaca.markets/v2/account',
    });
  });

  it('sends the client credentials in the form body only (client_secret_post)', async () => {
    const before = sim.requests.length;
    await signIn('alpaca');
    const token = sim.requests.slice(before).find((r) => r.path === '/oauth/token')!;
    expect(token.headers.authorization).toBeUndefined();
    expect(token.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(token.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('client_id')).toBe(sim.client.clientId);
    expect(form.get('client_secret')).toBe(sim.client.clientSecret);
    expect(form.get('redirect_uri')).toBe(`${app.url}/callback/alpaca`);
  });

  it('accepts the lower-case "bearer" token type and uses the token as Bearer', async () => {
    const before = sim.requests.length;
    const agent = await signIn('alpaca');
    const account = sim.requests.slice(before).find((r) => r.path === '/v2/account')!;
    expect(account.headers.authorization).toMatch(/^Bearer \S+$/);
    const { tokens } = (await agent.get('/session').expect(200)).body.oauth;
    expect(tokens.tokenType.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('account:write trading');
  });

  it('keeps a session without expiry when the token response has no expires_in', async () => {
    const agent = await signIn('alpaca');
    const { tokens } = (await agent.get('/session').expect(200)).body.oauth;
    expect(tokens.expiresAt).toBeUndefined();
    expect(tokens.refreshToken).toBeUndefined();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 365 * 24 * 3600 * 1000 });
    await agent.get('/me').expect(200);
    await agent.get('/userinfo').expect(200);
  });

  it('fetches the account again through req.oauth.fetchUserInfo()', async () => {
    const agent = await signIn('alpaca');
    const info = await agent.get('/userinfo').expect(200);
    expect(info.body).toEqual({ ...sim.user.paper });
  });
});

describe('alpaca failures', () => {
  it('refuses a callback whose state is not the one sent, before any token request', async () => {
    const { agent, callback } = await authorize('alpaca');
    expect(callback.searchParams.get('code')).not.toBeNull();
    const tokenRequests = sim.count('/oauth/token');
    const forged = withParam(callback, 'state', 'forged-state-from-another-browser');
    const response = await agent.get(pathOf(forged));
    await expectRefused(agent, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count('/oauth/token')).toBe(tokenRequests);
  });

  it('refuses a callback when no login is pending in this browser (login CSRF)', async () => {
    const { callback } = await authorize('alpaca');
    const victim = browser(app.url);
    const tokenRequests = sim.count('/oauth/token');
    const response = await victim.get(pathOf(callback));
    await expectRefused(victim, response, 400, 'OAUTH_NO_TRANSACTION');
    expect(sim.count('/oauth/token')).toBe(tokenRequests);
  });

  it('refuses a callback for alpaca whose state belongs to a login with another provider', async () => {
    const { agent, callback } = await authorize('alpaca-live');
    const elsewhere = new URL(callback.href.replace('/callback/alpaca-live', '/callback/alpaca'));
    const tokenRequests = sim.count('/oauth/token');
    const response = await agent.get(pathOf(elsewhere));
    await expectRefused(agent, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count('/oauth/token')).toBe(tokenRequests);
  });

  it('answers 400 OAUTH_INVALID_GRANT when Alpaca refuses the code', async () => {
    const { agent, callback } = await authorize('alpaca');
    sim.rejectNextCode();
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 400, 'OAUTH_INVALID_GRANT');
    expect(response.body.error).toBe('invalid_grant');
  });

  it('answers 400 OAUTH_AUTHORIZATION_ERROR when Alpaca sends back invalid_scope', async () => {
    const agent = browser(app.url);
    const tokenRequests = sim.count('/oauth/token');
    const authorizationUrl = await startLogin(agent, '/login/alpaca-odd-scope');
    // Alpaca redirects straight back, with the error and the state, without a login page.
    const callback = await sim.approve(authorizationUrl);
    expect(callback.searchParams.get('error')).toBe('invalid_scope');
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 400, 'OAUTH_AUTHORIZATION_ERROR');
    expect(response.body.error).toBe('invalid_scope');
    expect(sim.count('/oauth/token')).toBe(tokenRequests);
  });

  it('answers 403 OAUTH_ACCESS_DENIED when the user denies the app', async () => {
    const { agent, callback } = await authorize('alpaca', { deny: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 403, 'OAUTH_ACCESS_DENIED');
  });

  it('ends the session with 401 OAUTH_LOGIN_REQUIRED when the token was revoked', async () => {
    const agent = await signIn('alpaca');
    sim.revokeTokens();
    const response = await agent.get('/userinfo');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
    await agent.get('/me').expect(401);
  });
});
