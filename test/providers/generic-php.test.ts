import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericOAuth2 } from '../../src/index.js';
import { startGenericPhpSimulator } from '../../simulators/generic-php.js';
import type { GenericPhpSimulator } from '../../simulators/generic-php.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { expectRefused, expectSignedOut, withParam } from './refusal.js';

const TOKEN = '/api/token.php';
const USERINFO = '/api/userinfo.php';

let sim: GenericPhpSimulator;
let app: TestApp;

beforeAll(async () => {
  // A window large enough for the whole file: the rate limit is triggered on demand below.
  sim = await startGenericPhpSimulator({ rateLimit: { limit: 10_000 } });
  app = await startTestApp({
    oauth: (baseURL) => {
      sim.addRedirectUri(`${baseURL}/callback/php`);
      return {
        providers: {
          php: genericOAuth2({
            baseURL: sim.url,
            clientId: sim.client.clientId,
            clientSecret: sim.client.clientSecret,
            label: 'Example PHP API',
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

async function authorize(
  options: { deny?: boolean } = {},
): Promise<{ agent: Agent; authorizationUrl: URL; callback: URL }> {
  const agent = browser(app.url);
  const authorizationUrl = await startLogin(agent, '/login/php');
  const callback = await sim.approve(authorizationUrl, options);
  return { agent, authorizationUrl, callback };
}

async function signIn(): Promise<Agent> {
  const { agent, callback } = await authorize();
  await agent.get(pathOf(callback)).expect(303).expect('location', '/');
  return agent;
}

describe('genericOAuth2 preset against the generic PHP simulator', () => {
  it('signs in: username is the subject, full_name the name', async () => {
    const agent = await signIn();
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      sub: sim.user.username,
      provider: 'php',
      name: sim.user.full_name,
      email: sim.user.email,
      claims: {
        username: sim.user.username,
        email: sim.user.email,
        full_name: sim.user.full_name,
      },
    });
  });

  it('sends the documented authorization request, with a state', async () => {
    const { authorizationUrl } = await authorize();
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(sim.authorizationEndpoint);
    const params = authorizationUrl.searchParams;
    expect(params.get('client_id')).toBe(sim.client.clientId);
    expect(params.get('redirect_uri')).toBe(`${app.url}/callback/php`);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('state')).toMatch(/^[\w-]{20,}$/);
  });

  it('sends token.php code, client_id and client_secret, without grant_type or redirect_uri', async () => {
    const before = sim.requests.length;
    await signIn();
    const token = sim.requests.slice(before).find((r) => r.path === TOKEN)!;
    expect(token.method).toBe('POST');
    expect(token.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(token.headers.authorization).toBeUndefined();
    const form = new URLSearchParams(token.body);
    expect(form.get('code')).toMatch(/\S/);
    expect(form.get('client_id')).toBe(sim.client.clientId);
    expect(form.get('client_secret')).toBe(sim.client.clientSecret);
    expect(form.has('grant_type')).toBe(false);
    expect(form.has('redirect_uri')).toBe(false);
    // PKCE stays on: the verifier is one more parameter token.php ignores.
    expect([...form.keys()].sort()).toEqual([
      'client_id',
      'client_secret',
      'code',
      'code_verifier',
    ]);
  });

  it('reads the profile at userinfo.php with the access token as Bearer', async () => {
    const before = sim.requests.length;
    const agent = await signIn();
    const profile = sim.requests.slice(before).find((r) => r.path === USERINFO)!;
    expect(profile.headers.authorization).toMatch(/^Bearer \S+$/);
    const info = await agent.get('/userinfo').expect(200);
    expect(info.body).toMatchObject({ username: sim.user.username });
  });

  it('keeps the token lifetime of expires_in', async () => {
    const started = Date.now();
    const agent = await signIn();
    const { tokens } = (await agent.get('/session').expect(200)).body.oauth;
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(started + 3600 * 1000);
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);
  });

  it('lists the provider by its label on the chooser page', async () => {
    const page = await browser(app.url).get('/login').expect(200);
    expect(page.text).toMatch(
      /<a class="button" href="\/login\/php">.*Continue with Example PHP API<\/span><\/a>/,
    );
  });
});

describe('genericOAuth2 failures', () => {
  it('refuses a callback whose state is not the one sent, before any token request', async () => {
    const { agent, callback } = await authorize();
    expect(callback.searchParams.get('state')).not.toBeNull();
    const tokenRequests = sim.count(TOKEN);
    const response = await agent.get(pathOf(withParam(callback, 'state', 'forged')));
    await expectRefused(agent, response, 400, 'OAUTH_STATE_MISMATCH');
    expect(sim.count(TOKEN)).toBe(tokenRequests);
  });

  it('answers 400 OAUTH_INVALID_GRANT for the non-standard invalid_code', async () => {
    const { agent, callback } = await authorize();
    sim.rejectNextCode();
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 400, 'OAUTH_INVALID_GRANT');
    expect(response.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'the authorization code is invalid or expired',
    });
  });

  it('answers 503 OAUTH_RATE_LIMITED with Retry-After when token.php answers 429, without retrying', async () => {
    const { agent, callback } = await authorize();
    const tokenRequests = sim.count(TOKEN);
    sim.forceRateLimit({ path: TOKEN, retryAfterSeconds: 7 });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 503, 'OAUTH_RATE_LIMITED');
    expect(response.headers['retry-after']).toBe('7');
    expect(response.body).toMatchObject({ retry_after: 7, error: 'rate_limit_exceeded' });
    expect(sim.count(TOKEN)).toBe(tokenRequests + 1);
  });

  it('shows a browser a page saying when to try again', async () => {
    const { agent, callback } = await authorize();
    const tokenRequests = sim.count(TOKEN);
    sim.forceRateLimit({ path: TOKEN, retryAfterSeconds: 7 });
    const response = await agent.get(pathOf(callback)).set('Accept', 'text/html');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('Try again in 7 seconds.');
    expect(response.text).toContain('OAUTH_RATE_LIMITED');
    expect(sim.count(TOKEN)).toBe(tokenRequests + 1);
    await expectSignedOut(agent);
  });

  it('answers 503 OAUTH_RATE_LIMITED when userinfo.php answers 429 during the login', async () => {
    const { agent, callback } = await authorize();
    const profileCalls = sim.count(USERINFO);
    sim.forceRateLimit({ path: USERINFO, retryAfterSeconds: 12 });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 503, 'OAUTH_RATE_LIMITED');
    expect(response.headers['retry-after']).toBe('12');
    expect(sim.count(USERINFO)).toBe(profileCalls + 1);
  });

  it('keeps the session when userinfo.php answers 429 after the login', async () => {
    const agent = await signIn();
    const profileCalls = sim.count(USERINFO);
    sim.forceRateLimit({ path: USERINFO, retryAfterSeconds: 3 });
    const response = await agent.get('/userinfo');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 503,
      code: 'OAUTH_RATE_LIMITED',
    });
    expect(sim.count(USERINFO)).toBe(profileCalls + 1);
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(true);
    await agent.get('/userinfo').expect(200);
  });

  it('ends the session with 401 OAUTH_LOGIN_REQUIRED when userinfo.php refuses the token', async () => {
    const agent = await signIn();
    sim.expireTokens();
    const response = await agent.get('/userinfo');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
  });

  it('answers 403 OAUTH_ACCESS_DENIED when the user denies', async () => {
    const { agent, callback } = await authorize({ deny: true });
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 403, 'OAUTH_ACCESS_DENIED');
  });
});

describe('genericOAuth2 against a server that drops the state', () => {
  it('refuses the callback with 400 OAUTH_STATE_MISSING, before any token request', async () => {
    const dropping = await startGenericPhpSimulator({ echoState: false });
    const other = await startTestApp({
      oauth: (baseURL) => {
        dropping.addRedirectUri(`${baseURL}/callback/php`);
        return {
          providers: {
            php: genericOAuth2({
              baseURL: dropping.url,
              clientId: dropping.client.clientId,
              clientSecret: dropping.client.clientSecret,
            }),
          },
        };
      },
    });
    try {
      const agent = browser(other.url);
      const callback = await dropping.approve(await startLogin(agent, '/login/php'));
      expect(callback.searchParams.has('state')).toBe(false);
      const response = await agent.get(pathOf(callback));
      await expectRefused(agent, response, 400, 'OAUTH_STATE_MISSING');
      expect(dropping.count(TOKEN)).toBe(0);
    } finally {
      await other.close();
      await dropping.close();
    }
  });
});
