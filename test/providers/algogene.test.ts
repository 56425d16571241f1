import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { algogene } from '../../src/index.js';
import type { AlgogeneOptions } from '../../src/index.js';
import { startAlgogeneSimulator } from '../../simulators/algogene.js';
import type { AlgogeneSimulator, AlgogeneSimulatorOptions } from '../../simulators/algogene.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { expectRefused, expectSignedOut, withParam } from './refusal.js';

const AUTHORIZATION = '/rest/v1/oauth/authorization';
const USERINFO = '/rest/v1/oauth/userinfo';

interface Setup {
  sim: AlgogeneSimulator;
  app: TestApp;
  close(): Promise<void>;
}

/** An ALGOGENE simulator and an app whose only provider is the algogene preset pointed at it. */
async function setup(
  simOptions: AlgogeneSimulatorOptions = {},
  preset: Partial<AlgogeneOptions> = {},
): Promise<Setup> {
  const sim = await startAlgogeneSimulator(simOptions);
  const app = await startTestApp({
    oauth: () => ({
      providers: {
        algogene: algogene({
          userId: sim.partner.user,
          apiKey: sim.partner.apiKey,
          baseURL: sim.url,
          ...preset,
        }),
      },
    }),
  });
  return {
    sim,
    app,
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}

/** Starts a login and plays the member on ALGOGENE's login page; returns the redirect back. */
async function authorize(
  { sim, app }: Setup,
  options: { deny?: boolean } = {},
): Promise<{ agent: Agent; callback: URL }> {
  const agent = browser(app.url);
  const loginPage = await startLogin(agent, '/login/algogene');
  const callback = await sim.approve(loginPage, options);
  return { agent, callback };
}

async function signIn(target: Setup): Promise<Agent> {
  const { agent, callback } = await authorize(target);
  await agent.get(pathOf(callback)).expect(303).expect('location', '/');
  return agent;
}

describe('algogene preset against the ALGOGENE simulator', () => {
  let target: Setup;

  beforeAll(async () => {
    target = await setup();
  });

  afterAll(async () => {
    await target.close();
  });

  it('signs in: token in the redirect, profile read with user, api_key and token', async () => {
    const agent = await signIn(target);
    const { member } = target.sim;
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      sub: member.cid,
      provider: 'algogene',
      name: member.name,
      email: member.email,
      picture: member.picture,
      claims: {
        cid: member.cid,
        name: member.name,
        email: member.email,
        profile_url: member.profile_url,
        picture: member.picture,
      },
    });
  });

  it('gets the authorization URL from the API, sending user, api_key, state and redirect_url', async () => {
    const { sim, app } = target;
    const before = sim.requests.length;
    const agent = browser(app.url);
    const loginPage = await startLogin(agent, '/login/algogene');
    const [call, ...others] = sim.requests.slice(before);
    expect(others).toEqual([]);
    expect(call).toMatchObject({ method: 'GET', path: AUTHORIZATION });
    expect(call!.query).toEqual({
      user: sim.partner.user,
      api_key: sim.partner.apiKey,
      state: expect.stringMatching(/^[\w-]{20,}$/),
      redirect_url: `${app.url}/callback/algogene`,
    });
    // The browser goes to the URL ALGOGENE answered with, not to one the middleware built.
    expect(loginPage.href).toMatch(new RegExp(`^${sim.url}/oauth/login\\?auth_id=`));
    const callback = await sim.approve(loginPage);
    expect(callback.searchParams.get('state')).toBe(call!.query.state);
  });

  it('reads the token from the redirect (no code exchange) and the profile from the query', async () => {
    const { sim } = target;
    const before = sim.requests.length;
    const { agent, callback } = await authorize(target);
    const token = callback.searchParams.get('token')!;
    expect(sim.issuedTokens).toContain(token);
    expect(callback.searchParams.get('code')).toBeNull();
    await agent.get(pathOf(callback)).expect(303);
    const profileCalls = sim.requests.slice(before).filter((r) => r.path === USERINFO);
    expect(profileCalls).toHaveLength(1);
    expect(profileCalls[0]!.query).toEqual({
      user: sim.partner.user,
      api_key: sim.partner.apiKey,
      token,
    });
    expect(sim.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(1); // the login form
  });

  it('gives the session the preset token lifetime, ALGOGENE announcing none', async () => {
    const started = Date.now();
    const agent = await signIn(target);
    const { tokens } = (await agent.get('/session').expect(200)).body.oauth;
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(started + 3600 * 1000);
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);
  });

  it('refuses a forged callback with a token and a foreign state before any profile call', async () => {
    const { sim, app } = target;
    // The attacker gets a real token for their own ALGOGENE account...
    const attacker = await authorize(target);
    // ...and sends it to a victim who has a login of their own pending.
    const victim = browser(app.url);
    await startLogin(victim, '/login/algogene');
    const profileCalls = sim.count(USERINFO);
    const response = await victim.get(pathOf(attacker.callback));
    await expectRefused(victim, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count(USERINFO)).toBe(profileCalls);
  });

  it('refuses a callback carrying a valid token when no login is pending', async () => {
    const { sim, app } = target;
    const { callback } = await authorize(target);
    const stranger = browser(app.url);
    const profileCalls = sim.count(USERINFO);
    const response = await stranger.get(pathOf(callback));
    await expectRefused(stranger, response, 400, 'OAUTH_NO_TRANSACTION');
    expect(sim.count(USERINFO)).toBe(profileCalls);
  });

  it('refuses a callback whose state was altered, even with the real token', async () => {
    const { sim } = target;
    const { agent, callback } = await authorize(target);
    const profileCalls = sim.count(USERINFO);
    const response = await agent.get(pathOf(withParam(callback, 'state', 'altered')));
    await expectRefused(agent, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count(USERINFO)).toBe(profileCalls);
  });

  it('answers 403 OAUTH_ACCESS_DENIED when the member denies, without a profile call', async () => {
    const { sim } = target;
    const { agent, callback } = await authorize(target, { deny: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const profileCalls = sim.count(USERINFO);
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 403, 'OAUTH_ACCESS_DENIED');
    expect(sim.count(USERINFO)).toBe(profileCalls);
  });

  it('ends the session with 401 OAUTH_LOGIN_REQUIRED when ALGOGENE no longer accepts the token', async () => {
    const agent = await signIn(target);
    await agent.get('/userinfo').expect(200);
    target.sim.expireTokens();
    const response = await agent.get('/userinfo');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
  });
});

describe('algogene: the partner credentials', () => {
  it('answers 502 OAUTH_PROVIDER_ERROR with ALGOGENE’s message for a wrong api key', async () => {
    const target = await setup({}, { apiKey: 'not-the-api-key' });
    try {
      const agent = browser(target.app.url);
      const response = await agent.get('/login/algogene');
      await expectRefused(agent, response, 502, 'OAUTH_PROVIDER_ERROR');
      expect(response.body.message).toBe(
        'ALGOGENE refused the authorization request: Invalid user or api_key',
      );
      expect(response.body.error_description).toBe('Invalid user or api_key');
      expect(target.sim.count(AUTHORIZATION)).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('answers the same when ALGOGENE reports the error with HTTP 200 (errorsWithHttp200)', async () => {
    const target = await setup({ errorsWithHttp200: true }, { apiKey: 'not-the-api-key' });
    try {
      const agent = browser(target.app.url);
      const response = await agent.get('/login/algogene');
      await expectRefused(agent, response, 502, 'OAUTH_PROVIDER_ERROR');
      expect(response.body.message).toBe(
        'ALGOGENE refused the authorization request: Invalid user or api_key',
      );
    } finally {
      await target.close();
    }
  });

  it('shows the error as a page to a browser, never a 500', async () => {
    const target = await setup({}, { userId: 'someone-else' });
    try {
      const agent = browser(target.app.url);
      const response = await agent.get('/login/algogene').set('Accept', 'text/html');
      expect(response.status).toBe(502);
      expect(response.text).toContain('OAUTH_PROVIDER_ERROR');
      expect(response.text).toContain('Invalid user or api_key');
    } finally {
      await target.close();
    }
  });
});

describe('algogene: errors reported with HTTP 200', () => {
  let target: Setup;

  beforeAll(async () => {
    target = await setup({ errorsWithHttp200: true });
  });

  afterAll(async () => {
    await target.close();
  });

  it('signs in as usual', async () => {
    const agent = await signIn(target);
    expect((await agent.get('/me').expect(200)).body.sub).toBe(target.sim.member.cid);
  });

  it('ends the session with 401 OAUTH_LOGIN_REQUIRED when the token expired', async () => {
    const agent = await signIn(target);
    target.sim.expireTokens();
    const response = await agent.get('/userinfo');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
  });
});

describe('algogene: the redirect parameter that carries the token (tokenParam)', () => {
  it('reads the token from another parameter when configured to', async () => {
    const target = await setup({ tokenParam: 'access' }, { tokenParam: 'access' });
    try {
      const { agent, callback } = await authorize(target);
      expect(callback.searchParams.get('access')).not.toBeNull();
      expect(callback.searchParams.get('token')).toBeNull();
      await agent.get(pathOf(callback)).expect(303);
      expect((await agent.get('/me').expect(200)).body.sub).toBe(target.sim.member.cid);
    } finally {
      await target.close();
    }
  });

  it('answers 400 OAUTH_INVALID_CALLBACK naming the parameter when it is not there', async () => {
    const target = await setup({ tokenParam: 'access' });
    try {
      const { agent, callback } = await authorize(target);
      const response = await agent.get(pathOf(callback));
      await expectRefused(agent, response, 400, 'OAUTH_INVALID_CALLBACK');
      expect(response.body.message).toBe('ALGOGENE\'s redirect carries no "token"');
      expect(target.sim.count(USERINFO)).toBe(0);
    } finally {
      await target.close();
    }
  });
});
