import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { financefeast } from '../../src/index.js';
import { startFinancefeastSimulator } from '../../simulators/financefeast.js';
import type { FinancefeastSimulator } from '../../simulators/financefeast.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { expectRefused, expectSignedOut, withParam } from './refusal.js';

const TEN_DAYS = 864_000;

let sim: FinancefeastSimulator;
let app: TestApp;
/** The simulator's clock runs `skew` ms off the real one, so expires_at and expires_in can differ. */
let skew = 0;

beforeAll(async () => {
  sim = await startFinancefeastSimulator({ now: () => Date.now() + skew });
  app = await startTestApp({
    oauth: (baseURL) => {
      sim.addRedirectUri(`${baseURL}/callback/financefeast`);
      return {
        // Financefeast's tokens live ten days, longer than the default absoluteDuration (7 days).
        absoluteDuration: 30 * 24 * 3600,
        providers: {
          financefeast: financefeast({
            clientId: sim.client.clientId,
            clientSecret: sim.client.clientSecret,
            issuer: sim.issuer,
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
  skew = 0;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function authorize(): Promise<{ agent: Agent; authorizationUrl: URL; callback: URL }> {
  const agent = browser(app.url);
  const authorizationUrl = await startLogin(agent, '/login/financefeast');
  const callback = await sim.approve(authorizationUrl);
  return { agent, authorizationUrl, callback };
}

async function signIn(): Promise<Agent> {
  const { agent, callback } = await authorize();
  await agent.get(pathOf(callback)).expect(303).expect('location', '/');
  return agent;
}

/** Records the JSON bodies of the token responses the middleware receives. */
function recordTokenResponses(): Record<string, unknown>[] {
  const bodies: Record<string, unknown>[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const response = await realFetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url === sim.tokenEndpoint) {
      bodies.push((await response.clone().json()) as Record<string, unknown>);
    }
    return response;
  });
  return bodies;
}

describe('financefeast preset against the Financefeast simulator', () => {
  it('signs in with OpenID Connect: the ID token names the customer, with email and plan', async () => {
    const agent = await signIn();
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      sub: sim.user.sub,
      provider: 'financefeast',
      email: sim.user.email,
      claims: expect.objectContaining({
        sub: sim.user.sub,
        email: sim.user.email,
        plan: sim.user.plan,
        iss: sim.issuer,
        aud: sim.client.clientId,
      }),
    });
    expect(me.body.claims.nonce).toBeUndefined();
    const info = await agent.get('/userinfo').expect(200);
    expect(info.body).toEqual({ sub: sim.user.sub, email: sim.user.email, plan: sim.user.plan });
  });

  it('asks for openid profile plan with state, nonce and PKCE', async () => {
    const { authorizationUrl } = await authorize();
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(sim.authorizationEndpoint);
    const params = authorizationUrl.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(sim.client.clientId);
    expect(params.get('redirect_uri')).toBe(`${app.url}/callback/financefeast`);
    expect(params.get('scope')).toBe('openid profile plan');
    expect(params.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(params.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(params.get('code_challenge_method')).toBe('S256');
  });

  it('authenticates with client_secret_post: credentials in the form body, no Basic header', async () => {
    const before = sim.requests.length;
    await signIn();
    const token = sim.requests.slice(before).find((r) => r.path === '/oauth/token')!;
    expect(token.method).toBe('POST');
    expect(token.headers.authorization).toBeUndefined();
    expect(token.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(token.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('client_id')).toBe(sim.client.clientId);
    expect(form.get('client_secret')).toBe(sim.client.clientSecret);
    expect(form.get('redirect_uri')).toBe(`${app.url}/callback/financefeast`);
    expect(form.get('code_verifier')).toMatch(/^[\w-]{43,}$/);
  });

  it("takes the session's expiry from expires_at rather than expires_in", async () => {
    // Financefeast's clock runs two minutes behind: expires_at is then two minutes earlier than
    // now + expires_in, and only the expiry read from expires_at matches it.
    skew = -120_000;
    const responses = recordTokenResponses();
    const before = Date.now();
    const agent = await signIn();
    expect(responses).toHaveLength(1);
    const { expires_at: expiresAt, expires_in: expiresIn } = responses[0]!;
    expect(expiresIn).toBe(TEN_DAYS);
    expect(typeof expiresAt).toBe('number');
    const { tokens } = (await agent.get('/session').expect(200)).body.oauth;
    // Within whole seconds (expires_in is an integer, RFC 6749 §5.1) plus the token request's own
    // time, from which the session counts: under load that can pass one second.
    expect(Math.abs(tokens.expiresAt - (expiresAt as number) * 1000)).toBeLessThanOrEqual(3000);
    expect(tokens.expiresAt).toBeLessThan(before + TEN_DAYS * 1000 - 60_000);
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('keeps the customer signed in for ten days', async () => {
    const agent = await signIn();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (TEN_DAYS - 60) * 1000 });
    await agent.get('/me').expect(200);
  });

  it('sends the customer to log in again after ten days, there being no refresh token', async () => {
    const agent = await signIn();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (TEN_DAYS + 60) * 1000 });
    const page = await agent.get('/me').set('Accept', 'text/html');
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Fme');
    const api = await agent.get('/me');
    expect({ status: api.status, code: api.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
    // No refresh was attempted: Financefeast has no refresh grant.
    expect(sim.requests.filter((r) => r.body.includes('refresh_token'))).toEqual([]);
  });
});

describe('financefeast failures', () => {
  it('refuses an ID token whose nonce is not the one sent: 502 OAUTH_ID_TOKEN_INVALID', async () => {
    const { agent, callback } = await authorize();
    sim.overrideNextIdToken({ nonce: 'x' });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_ID_TOKEN_INVALID');
    expect(response.body.message).toMatch(/^the ID token failed validation/);
  });

  it('refuses an ID token issued to another client', async () => {
    const { agent, callback } = await authorize();
    sim.overrideNextIdToken({ aud: 'another-client' });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_ID_TOKEN_INVALID');
  });

  it('refuses a callback whose state is not the one sent, before any token request', async () => {
    const { agent, callback } = await authorize();
    const tokenRequests = sim.count('/oauth/token');
    const response = await agent.get(pathOf(withParam(callback, 'state', 'forged')));
    await expectRefused(agent, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count('/oauth/token')).toBe(tokenRequests);
  });

  it('answers 400 OAUTH_INVALID_GRANT when Financefeast refuses the code', async () => {
    const { agent, callback } = await authorize();
    sim.rejectNextCode();
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 400, 'OAUTH_INVALID_GRANT');
  });

  it('answers 403 OAUTH_ACCESS_DENIED when the customer denies', async () => {
    const agent = browser(app.url);
    const callback = await sim.approve(await startLogin(agent, '/login/financefeast'), {
      deny: true,
    });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 403, 'OAUTH_ACCESS_DENIED');
  });

  it('cannot log in while the redirect URI whitelisted at Financefeast differs from the one sent', async () => {
    const strict = await startFinancefeastSimulator({
      clients: [{ clientId: 'strict', clientSecret: 'strict-secret', redirectUris: [] }],
    });
    const other = await startTestApp({
      oauth: (baseURL) => {
        // Whitelisted with a trailing slash: Financefeast compares redirect URIs exactly.
        strict.addRedirectUri(`${baseURL}/callback/financefeast/`);
        return {
          providers: {
            financefeast: financefeast({
              clientId: 'strict',
              clientSecret: 'strict-secret',
              issuer: strict.issuer,
            }),
          },
        };
      },
    });
    try {
      const agent = browser(other.url);
      const authorizationUrl = await startLogin(agent, '/login/financefeast');
      expect(authorizationUrl.origin).toBe(strict.url);
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(
        `${other.url}/callback/financefeast`,
      );
      await expect(strict.approve(authorizationUrl)).rejects.toThrow(
        /login page answered 400: [\s\S]*redirect_uri is not whitelisted/,
      );
      expect(strict.count('/oauth/token')).toBe(0);
      await expectSignedOut(agent);
    } finally {
      await other.close();
      await strict.close();
    }
  });
});
