// Tokens per resource (RFC 8707) and req.oauth.fetch(): one sign-in, a narrowly scoped token per
// API obtained with the refresh token and cached in the session, the rotated refresh token kept,
// and an API call that renews a refused token once.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const ORDERS = 'https://orders.api.example.test';
const BILLING = 'https://billing.api.example.test';

let provider: ScriptedProvider;
let app: TestApp;
let api: Server;
let apiUrl: string;
const seen: IncomingHttpHeaders[] = [];
let refuseNext = 0;

beforeAll(async () => {
  provider = await startScriptedProvider();
  api = createServer((req, res) => {
    seen.push(req.headers);
    if (refuseNext > 0) {
      refuseNext -= 1;
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    }),
    routes: (express) => {
      express.get('/orders-token', async (req, res, next) => {
        try {
          const token = await req.oauth.getAccessToken({ resource: ORDERS, scope: 'orders:read' });
          res.json({ token: token.slice(0, 8) });
        } catch (error) {
          next(error);
        }
      });
      express.get('/billing-token', async (req, res, next) => {
        try {
          res.json({ token: (await req.oauth.getAccessToken({ resource: BILLING })).slice(0, 8) });
        } catch (error) {
          next(error);
        }
      });
      express.get('/call-orders', async (req, res, next) => {
        try {
          const response = await req.oauth.fetch(`${apiUrl}/v1/orders`, { resource: ORDERS });
          res.status(response.status).json({ status: response.status });
        } catch (error) {
          next(error);
        }
      });
      express.get('/call-main', async (req, res, next) => {
        try {
          const response = await req.oauth.fetch(`${apiUrl}/v1/me`);
          res.status(response.status).json({ status: response.status });
        } catch (error) {
          next(error);
        }
      });
      express.get('/bad-resource', async (req, res) => {
        try {
          await req.oauth.getAccessToken({ resource: 'https://api.example.test/#fragment' });
          res.json({ sent: true });
        } catch (error) {
          res.status(500).json({ code: (error as { code?: string }).code });
        }
      });
      express.get('/call-off-loopback', async (req, res) => {
        try {
          await req.oauth.fetch('http://api.example.test/v1/orders');
          res.json({ sent: true });
        } catch (error) {
          res.status(500).json({ code: (error as { code?: string }).code });
        }
      });
    },
  });
});

afterAll(async () => {
  await app.close();
  await new Promise((resolve) => api.close(resolve));
  await provider.close();
});

beforeEach(() => {
  provider.reset();
  seen.length = 0;
  refuseNext = 0;
});

async function signIn(): Promise<Agent> {
  const agent = browser(app.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

function tokenRequests() {
  return provider.requests.filter((r) => r.path === '/token');
}

describe('getAccessToken({ resource })', () => {
  it('obtains a token for the API with the refresh token, then serves it from the session', async () => {
    const agent = await signIn();
    const main = (await agent.get('/session').expect(200)).body.oauth.tokens;
    const first = (await agent.get('/orders-token').expect(200)).body.token;
    const exchange = tokenRequests().at(-1);
    expect(exchange?.form?.get('grant_type')).toBe('refresh_token');
    expect(exchange?.form?.get('resource')).toBe(ORDERS);
    expect(exchange?.form?.get('scope')).toBe('orders:read');
    expect(first).not.toBe(main.accessToken.slice(0, 8));
    expect((await agent.get('/orders-token').expect(200)).body.token).toBe(first);
    expect(tokenRequests()).toHaveLength(2);
    // The provider rotated the refresh token in that exchange: the session kept the new one.
    const after = (await agent.get('/session').expect(200)).body.oauth;
    expect(after.tokens.refreshToken).not.toBe(main.refreshToken);
    expect(after.tokens.accessToken).toBe(main.accessToken);
    expect(Object.keys(after.resourceTokens)).toEqual([`${ORDERS} orders:read`]);
    // ...so a token for a second API is obtained with it, without invalid_grant.
    await agent.get('/billing-token').expect(200);
    expect(tokenRequests()).toHaveLength(3);
  });

  it('refuses a resource that is not an absolute URI without a fragment', async () => {
    const agent = await signIn();
    const refused = await agent.get('/bad-resource').expect(500);
    expect(refused.body.code).toBe('ERR_INVALID_ARG_VALUE');
  });
});

describe('one request at a time, under the same lock as a refresh', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The refresh tokens the provider was sent since `from`, one per refresh token grant. */
  function spentRefreshTokens(from: number): string[] {
    return tokenRequests()
      .slice(from)
      .filter((r) => r.form?.get('grant_type') === 'refresh_token')
      .map((r) => r.form?.get('refresh_token') ?? '');
  }

  it('sends one token request for concurrent requests of one session asking for the same API', async () => {
    const agent = await signIn();
    const before = tokenRequests().length;
    // Slow answers, so that every request asks while the first exchange is still in flight.
    provider.script.refresh = { delayMs: 100 };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => agent.get('/orders-token').expect(200)),
    );
    expect(new Set(answers.map((answer) => answer.body.token)).size).toBe(1);
    expect(tokenRequests().length - before).toBe(1);
    expect(tokenRequests().at(-1)?.form?.get('resource')).toBe(ORDERS);
  });

  /**
   * The sign-in's access token lives 10 s; Date (only Date) is frozen for the app and the provider
   * alike, and moved 15 s on when the token is to expire: well within the lock's lifetime (twice
   * the provider timeout and a second), so that the jump expires the token and never the lock.
   */
  const expireSignInToken = () => {
    vi.setSystemTime(Date.now() + 15_000);
  };

  // Each order: the first grant is at the provider (answered late) when the second request starts.
  const orders = [
    {
      first: 'a refresh',
      start: (agent: Agent) => {
        expireSignInToken();
        return agent.get('/access-token');
      },
      join: (agent: Agent) => agent.get('/orders-token'),
    },
    {
      // An expired sign-in token is refreshed before any exchange: it expires mid-exchange.
      first: 'a resource-token exchange',
      start: (agent: Agent) => agent.get('/orders-token'),
      join: (agent: Agent) => {
        expireSignInToken();
        return agent.get('/access-token');
      },
    },
  ];
  for (const { first, start, join } of orders) {
    it(`spends each refresh token once when ${first} is in flight and the other starts`, async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      provider.script.token = { times: 1, set: { expires_in: 10 } };
      const agent = await signIn();
      const signedIn = (await agent.get('/access-token').expect(200)).body.fingerprint;
      const before = tokenRequests().length;
      provider.script.refresh = { delayMs: 100 };
      const started = start(agent).then((response) => response);
      // The second starts once the provider holds the first grant, not after some time.
      await expect.poll(() => tokenRequests().length - before).toBe(1);
      const joined = join(agent).then((response) => response);
      const answers = await Promise.all([started, joined]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);

      const grants = tokenRequests().slice(before);
      expect(grants.map((grant) => grant.form?.get('grant_type'))).toEqual([
        'refresh_token',
        'refresh_token',
      ]);
      expect(grants[0]?.form?.has('resource')).toBe(first === 'a resource-token exchange');
      const spent = spentRefreshTokens(before);
      expect(new Set(spent).size).toBe(2);
      // The session kept the last rotated refresh token, not one the provider has spent...
      const session = (await agent.get('/session').expect(200)).body.oauth;
      expect(spent).not.toContain(session.tokens.refreshToken);
      // ...and the refresh handed out a renewed access token, not the sign-in's expired one.
      const refreshed = answers.find((answer) => answer.body.fingerprint !== undefined);
      expect(refreshed?.body.fingerprint).not.toBe(signedIn);
      await agent.get('/access-token').expect(200);
      expect(tokenRequests().length - before).toBe(2);
    });
  }
});

describe('req.oauth.fetch()', () => {
  it('sends the resource token as Bearer, and only in the Authorization header', async () => {
    const agent = await signIn();
    expect((await agent.get('/call-orders').expect(200)).body.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toMatch(/^Bearer \S+$/);
  });

  it('renews a token the API refuses with invalid_token and tries once more', async () => {
    const agent = await signIn();
    await agent.get('/call-orders').expect(200);
    refuseNext = 1;
    const before = tokenRequests().length;
    expect((await agent.get('/call-orders').expect(200)).body.status).toBe(200);
    expect(tokenRequests().length - before).toBe(1);
    expect(seen.at(-1)?.authorization).not.toBe(seen.at(-2)?.authorization);
  });

  it("renews the sign-in's own token by a refresh when the API refuses it", async () => {
    const agent = await signIn();
    refuseNext = 1;
    const before = tokenRequests().length;
    expect((await agent.get('/call-main').expect(200)).body.status).toBe(200);
    expect(tokenRequests().length - before).toBe(1);
    expect(tokenRequests().at(-1)?.form?.get('grant_type')).toBe('refresh_token');
    expect(seen.at(-1)?.authorization).not.toBe(seen.at(-2)?.authorization);
  });

  it('returns a second refusal to the handler as it is, without a loop', async () => {
    const agent = await signIn();
    refuseNext = 5;
    expect((await agent.get('/call-orders').expect(401)).body.status).toBe(401);
    expect(seen).toHaveLength(2);
  });

  it('never sends a token over plain http off loopback', async () => {
    const agent = await signIn();
    const refused = await agent.get('/call-off-loopback').expect(500);
    expect(refused.body.code).toBe('ERR_INVALID_ARG_VALUE');
  });
});
