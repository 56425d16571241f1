import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import type { OAuthAdapter, OAuthOAuth2Provider } from '../../src/index.js';
import { startGenericPhpSimulator } from '../../simulators/generic-php.js';
import type { GenericPhpSimulator } from '../../simulators/generic-php.js';
import { startTestApp, TEST_SECRET } from '../helpers/app.js';
import { UNREACHABLE_ORIGIN } from '../helpers/unreachable.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { expectRefused, expectSignedOut, withParam } from './refusal.js';
import { startTicketServer } from './ticket-server.js';
import type { TicketServer } from './ticket-server.js';

/** What the hand-written adapter does, and how a test makes it misbehave. */
const calls = { authorizationUrl: 0, handleCallback: 0, fetchProfile: 0 };
let misbehave: {
  authorizationUrl?: () => string;
  handleCallback?: () => never;
  fetchProfile?: () => never;
  exchangeUrl?: string;
  noToken?: boolean;
} = {};

function ticketAdapter(base: () => string): OAuthAdapter {
  return {
    async authorizationUrl({ state, redirectUri, params }) {
      calls.authorizationUrl += 1;
      if (misbehave.authorizationUrl) return misbehave.authorizationUrl();
      const url = new URL('/authorize', base());
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      url.searchParams.set('state', state);
      url.searchParams.set('back', redirectUri);
      return url;
    },
    async handleCallback({ params }, context) {
      calls.handleCallback += 1;
      misbehave.handleCallback?.();
      if (misbehave.noToken) return { accessToken: '' };
      const response = await context.fetch(misbehave.exchangeUrl ?? new URL('/exchange', base()), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: params.get('ticket') }),
      });
      const body = await context.json(response);
      return { accessToken: String(body.access), expiresIn: 600 };
    },
    async fetchProfile({ tokens }, context) {
      calls.fetchProfile += 1;
      misbehave.fetchProfile?.();
      const response = await context.fetch(new URL('/whoami', base()), {
        headers: { 'x-token': tokens.accessToken },
      });
      return context.json(response);
    },
  };
}

/** The generic PHP API configured by hand, as any plain OAuth 2.0 provider would be. */
function phpByHand(
  sim: GenericPhpSimulator,
  overrides: Partial<OAuthOAuth2Provider> = {},
): OAuthOAuth2Provider {
  return {
    type: 'oauth2',
    label: 'PHP API by hand',
    authorizationEndpoint: sim.authorizationEndpoint,
    tokenEndpoint: sim.tokenEndpoint,
    profileEndpoint: sim.userinfoEndpoint,
    clientId: sim.client.clientId,
    clientSecret: sim.client.clientSecret,
    tokenEndpointAuthMethod: 'client_secret_post',
    quirks: {
      sendGrantType: false,
      sendRedirectUri: false,
      errorCodes: { invalid_code: 'invalid_grant' },
    },
    mapUser: (profile) => ({
      sub: String(profile.username),
      name: typeof profile.full_name === 'string' ? profile.full_name : undefined,
      email: typeof profile.email === 'string' ? profile.email : undefined,
    }),
    ...overrides,
  };
}

let sim: GenericPhpSimulator;
let tickets: TicketServer;
let app: TestApp;

beforeAll(async () => {
  sim = await startGenericPhpSimulator({ rateLimit: { limit: 10_000 } });
  tickets = await startTicketServer();
  app = await startTestApp({
    oauth: (baseURL) => {
      for (const name of ['php', 'php-no-error-codes', 'php-basic', 'php-default-map']) {
        sim.addRedirectUri(`${baseURL}/callback/${name}`);
      }
      return {
        providers: {
          php: phpByHand(sim),
          // The same provider without the quirks it needs, to show what each one is for.
          'php-no-error-codes': phpByHand(sim, {
            quirks: { sendGrantType: false, sendRedirectUri: false },
          }),
          'php-basic': phpByHand(sim, { tokenEndpointAuthMethod: 'client_secret_basic' }),
          'php-default-map': phpByHand(sim, { mapUser: undefined }),
          'tickets-scoped': {
            type: 'custom',
            adapter: ticketAdapter(() => tickets.url),
            scope: 'tickets:read profile',
            authorizationParams: { prompt: 'login' },
          },
          tickets: {
            type: 'custom',
            label: 'Ticket Co',
            adapter: ticketAdapter(() => tickets.url),
            mapUser: (profile) => ({
              sub: profile.id as number,
              name: profile.display as string,
              email: profile.mail as string,
            }),
          },
        },
      };
    },
  });
});

afterAll(async () => {
  await app.close();
  await tickets.close();
  await sim.close();
});

afterEach(() => {
  misbehave = {};
  vi.useRealTimers();
});

/** Starts a login with `provider` and plays the user; returns the agent and the redirect back. */
async function authorize(provider: string): Promise<{ agent: Agent; callback: URL }> {
  const agent = browser(app.url);
  const providerUrl = await startLogin(agent, `/login/${provider}`);
  if (provider.startsWith('php')) return { agent, callback: await sim.approve(providerUrl) };
  const redirect = await fetch(providerUrl, { redirect: 'manual' });
  return { agent, callback: new URL(redirect.headers.get('location')!) };
}

describe('a plain OAuth 2.0 provider configured by hand (no preset)', () => {
  it('signs in against the generic PHP API with the quirks set by hand', async () => {
    const { agent, callback } = await authorize('php');
    await agent.get(pathOf(callback)).expect(303);
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({
      sub: sim.user.username,
      provider: 'php',
      name: sim.user.full_name,
      email: sim.user.email,
    });
    const token = sim.requests.filter((r) => r.path === '/api/token.php').at(-1)!;
    const form = new URLSearchParams(token.body);
    expect(form.has('grant_type')).toBe(false);
    expect(form.has('redirect_uri')).toBe(false);
  });

  it('maps invalid_code to OAUTH_INVALID_GRANT only through quirks.errorCodes', async () => {
    const mapped = await authorize('php');
    sim.rejectNextCode();
    await expectRefused(
      mapped.agent,
      await mapped.agent.get(pathOf(mapped.callback)),
      400,
      'OAUTH_INVALID_GRANT',
    );
    const raw = await authorize('php-no-error-codes');
    sim.rejectNextCode();
    const response = await raw.agent.get(pathOf(raw.callback));
    await expectRefused(raw.agent, response, 502, 'OAUTH_PROVIDER_ERROR');
    expect(response.body.error).toBe('invalid_code');
  });

  it('cannot authenticate to token.php with HTTP Basic, which it ignores: 502 naming its error', async () => {
    const { agent, callback } = await authorize('php-basic');
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_PROVIDER_ERROR');
    expect(response.body).toMatchObject({
      error: 'invalid_request',
      error_description: 'code, client_id and client_secret are required',
    });
  });

  it('refuses a profile without a user identifier when no mapUser names it', async () => {
    const { agent, callback } = await authorize('php-default-map');
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
    expect(response.body.message).toBe('the provider profile has no user identifier (sub or id)');
  });
});

describe('a hand-written adapter (type "custom")', () => {
  it('signs in through the adapter', async () => {
    const { agent, callback } = await authorize('tickets');
    await agent.get(pathOf(callback)).expect(303).expect('location', '/');
    const me = await agent.get('/me').expect(200);
    expect(me.body).toEqual({
      sub: '42',
      provider: 'tickets',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      claims: { id: 42, display: 'Ada Lovelace', mail: 'ada@example.com' },
    });
    const info = await agent.get('/userinfo').expect(200);
    expect(info.body).toMatchObject({ id: 42 });
  });

  it("gives the adapter the middleware's state and the provider's redirect URI", async () => {
    const agent = browser(app.url);
    const providerUrl = await startLogin(agent, '/login/tickets');
    expect(providerUrl.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(providerUrl.searchParams.get('back')).toBe(`${app.url}/callback/tickets`);
  });

  it('passes the configured scope and authorizationParams to the adapter as params', async () => {
    const scoped = await startLogin(browser(app.url), '/login/tickets-scoped');
    expect(scoped.searchParams.get('scope')).toBe('tickets:read profile');
    expect(scoped.searchParams.get('prompt')).toBe('login');
    const plain = await startLogin(browser(app.url), '/login/tickets');
    expect(plain.searchParams.has('scope')).toBe(false);
    expect(plain.searchParams.has('prompt')).toBe(false);
  });

  it('never calls handleCallback for a callback when no login is pending', async () => {
    const { callback } = await authorize('tickets');
    const before = calls.handleCallback;
    const stranger = browser(app.url);
    await expectRefused(
      stranger,
      await stranger.get(pathOf(callback)),
      400,
      'OAUTH_NO_TRANSACTION',
    );
    expect(calls.handleCallback).toBe(before);
  });

  it('never calls handleCallback for a callback whose state matches no pending login', async () => {
    const { agent, callback } = await authorize('tickets');
    const before = calls.handleCallback;
    const forged = await agent.get(pathOf(withParam(callback, 'state', 'chosen-by-attacker')));
    await expectRefused(agent, forged, 400, 'OAUTH_STATE_MISMATCH');
    const stateless = new URL(callback);
    stateless.searchParams.delete('state');
    await expectRefused(agent, await agent.get(pathOf(stateless)), 400, 'OAUTH_STATE_MISSING');
    expect(calls.handleCallback).toBe(before);
  });

  it('calls handleCallback once for a replayed callback', async () => {
    const { agent, callback } = await authorize('tickets');
    const before = calls.handleCallback;
    await agent.get(pathOf(callback)).expect(303);
    const replay = await agent.get(pathOf(callback)).expect(400);
    expect(replay.body.code).toBe('OAUTH_NO_TRANSACTION');
    expect(calls.handleCallback).toBe(before + 1);
  });

  it('handles an error callback itself, without calling handleCallback', async () => {
    const { agent, callback } = await authorize('tickets');
    const before = calls.handleCallback;
    const denied = new URL(callback);
    denied.searchParams.delete('ticket');
    denied.searchParams.set('error', 'access_denied');
    await expectRefused(agent, await agent.get(pathOf(denied)), 403, 'OAUTH_ACCESS_DENIED');
    expect(calls.handleCallback).toBe(before);
  });

  it('turns a plain Error thrown by handleCallback into 502 JSON, never a 500 with a stack', async () => {
    const { agent, callback } = await authorize('tickets');
    misbehave.handleCallback = () => {
      throw new Error('ticket format changed');
    };
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
    expect(response.body).toEqual({
      code: 'OAUTH_INVALID_RESPONSE',
      status: 502,
      message:
        'the provider sent an invalid response while exchanging the authorization code: ticket format changed',
    });
  });

  it('turns a TypeError thrown by fetchProfile into 502 JSON', async () => {
    const { agent, callback } = await authorize('tickets');
    misbehave.fetchProfile = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
  });

  it('turns a plain Error thrown by authorizationUrl into 502 at the login route', async () => {
    misbehave.authorizationUrl = () => {
      throw new Error('partner API moved');
    };
    const agent = browser(app.url);
    const response = await agent.get('/login/tickets');
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
    expect((await agent.get('/session').expect(200)).body.oauth).toBeNull();
  });

  it('refuses an authorization URL that is not http(s)', async () => {
    misbehave.authorizationUrl = () => 'javascript:alert(1)';
    const agent = browser(app.url);
    const response = await agent.get('/login/tickets');
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
    expect(response.headers.location).toBeUndefined();
  });

  it('refuses tokens without an access token', async () => {
    const { agent, callback } = await authorize('tickets');
    misbehave.noToken = true;
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
    expect(response.body.message).toBe('the provider returned no access token');
  });

  it('answers 503 OAUTH_PROVIDER_UNAVAILABLE when the adapter cannot reach its provider', async () => {
    const { agent, callback } = await authorize('tickets');
    misbehave.exchangeUrl = `${UNREACHABLE_ORIGIN}/exchange`;
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 503, 'OAUTH_PROVIDER_UNAVAILABLE');
  });

  it("refuses an answer to the adapter's context.fetch over maxResponseBytes (1 MiB)", async () => {
    const { agent, callback } = await authorize('tickets');
    const huge = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access: 'x'.repeat(1024 * 1024) }));
    });
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    try {
      misbehave.exchangeUrl = `http://127.0.0.1:${(huge.address() as AddressInfo).port}/exchange`;
      const response = await agent.get(pathOf(callback));
      await expectRefused(agent, response, 502, 'OAUTH_INVALID_RESPONSE');
      expect(response.body.message).toMatch(/ is larger than 1048576 bytes \("maxResponseBytes"\)/);
    } finally {
      huge.closeAllConnections();
      await new Promise<void>((resolve) => huge.close(() => resolve()));
    }
  });

  it("answers 503 OAUTH_RATE_LIMITED with Retry-After through the adapter context's json()", async () => {
    const { agent, callback } = await authorize('tickets');
    tickets.failNextExchange = 429;
    const exchanges = tickets.paths.filter((p) => p === '/exchange').length;
    const response = await agent.get(pathOf(callback));
    await expectRefused(agent, response, 503, 'OAUTH_RATE_LIMITED');
    expect(response.headers['retry-after']).toBe('9');
    expect(tickets.paths.filter((p) => p === '/exchange').length).toBe(exchanges + 1);
  });

  it("answers 503 OAUTH_PROVIDER_UNAVAILABLE when the adapter's provider answers 500", async () => {
    const { agent, callback } = await authorize('tickets');
    tickets.failNextExchange = 500;
    await expectRefused(
      agent,
      await agent.get(pathOf(callback)),
      503,
      'OAUTH_PROVIDER_UNAVAILABLE',
    );
  });

  it('keeps the invalid_grant of an adapter call as OAUTH_INVALID_GRANT', async () => {
    const { agent, callback } = await authorize('tickets');
    const spent = withParam(callback, 'ticket', 'ticket-that-was-never-issued');
    const response = await agent.get(pathOf(spent));
    await expectRefused(agent, response, 400, 'OAUTH_INVALID_GRANT');
    expect(response.body.error_description).toBe('unknown ticket');
  });

  it('asks for a new login when the adapter has no refresh() and the token expired', async () => {
    const { agent, callback } = await authorize('tickets');
    await agent.get(pathOf(callback)).expect(303);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
    const response = await agent.get('/me');
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'OAUTH_LOGIN_REQUIRED',
    });
    await expectSignedOut(agent);
  });
});

describe('several providers at once', () => {
  it('lists every provider by label on GET /login', async () => {
    const page = await browser(app.url).get('/login?returnTo=%2Fme').expect(200);
    expect(page.text).toMatch(
      /<a class="button" href="\/login\/tickets\?returnTo=%2Fme">.*Continue with Ticket Co<\/span><\/a>/,
    );
    expect(page.text).toMatch(
      /<a class="button" href="\/login\/php\?returnTo=%2Fme">.*Continue with PHP API by hand<\/span><\/a>/,
    );
  });

  it('gives each provider its own redirect URI to register', () => {
    const router = oauthMiddleware({
      secret: TEST_SECRET,
      baseURL: 'https://app.example.com/auth',
      providers: {
        php: phpByHand(sim),
        tickets: { type: 'custom', adapter: ticketAdapter(() => '') },
      },
    });
    expect(router.redirectUris).toEqual({
      php: 'https://app.example.com/auth/callback/php',
      tickets: 'https://app.example.com/auth/callback/tickets',
    });
  });
});
