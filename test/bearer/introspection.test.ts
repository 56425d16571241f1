// requireBearer() with opaque access tokens: RFC 7662 introspection at the scripted provider with
// the client's credentials, answers cached for at most the token's lifetime and the cap, in a
// cache that a flood of random tokens fills but never grows.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIntrospector } from '../../src/bearer/introspection.js';
import { runtimeOfMiddleware } from '../../src/middleware.js';
import { OAuthError } from '../../src/index.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize } from '../helpers/scripted-provider.js';
import { AUDIENCE, expectRefused, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

const MAX_ENTRIES = 50;
/** Four times the guard's cache bound: its own cache, end to end, filled and never grown. */
const FLOOD = 4 * MAX_ENTRIES;

/** Signs in through the real routes; the session's opaque access token, and the browser. */
async function signIn(s: BearerSetup) {
  const agent = browser(s.app.url);
  const callback = await authorize(s.provider, await startLogin(agent));
  await agent.get(pathOf(callback)).expect(303);
  const stored = (await agent.get('/session').expect(200)).body as {
    oauth: { tokens: { accessToken: string } };
  };
  return { agent, accessToken: stored.oauth.tokens.accessToken };
}

describe('requireBearer() with opaque tokens', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp({
      scopes: 'openid',
      introspection: { cacheMaxAge: 30, cacheMaxEntries: MAX_ENTRIES },
    });
  });
  afterAll(() => s.close());
  beforeEach(() => {
    s.provider.reset();
    s.provider.script.introspection = { set: { aud: AUDIENCE } };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const call = (token: string) =>
    request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`);

  it('accepts an active token, introspected with the client credentials, and caches the answer', async () => {
    const { accessToken } = await signIn(s);
    const response = await call(accessToken).expect(200);
    expect(response.body.user).toMatchObject({ sub: 'alice', claims: { active: true } });
    const introspection = s.provider.last('/introspect');
    expect(introspection?.headers.authorization).toMatch(/^Basic /);
    expect(introspection?.form?.get('token')).toBe(accessToken);
    await call(accessToken).expect(200);
    expect(s.provider.count('/introspect')).toBe(1);
  });

  it('refuses a token the provider says is inactive, and a token for another API', async () => {
    expectRefused(await call('not-a-token-it-issued'), {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      challenge: /^Bearer error="invalid_token"/,
    });
    const { accessToken } = await signIn(s);
    s.provider.script.introspection = { set: { aud: 'https://other-api.example.test' } };
    expectRefused(await call(accessToken), { status: 401, code: 'OAUTH_INVALID_TOKEN' });
    s.provider.script.introspection = { set: { aud: undefined } };
    const fresh = await signIn(s);
    expectRefused(await call(fresh.accessToken), { status: 401, code: 'OAUTH_INVALID_TOKEN' });
  });

  it('keeps an active answer no longer than the token lives, and an inactive one for the cap', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const exp = Math.floor(Date.now() / 1000) + 5;
    s.provider.script.introspection = {
      body: (honest) => ({
        ...honest,
        active: true,
        sub: 'bob',
        aud: AUDIENCE,
        scope: 'openid',
        exp,
      }),
    };
    await call('short-lived-token').expect(200);
    await call('short-lived-token').expect(200);
    expect(s.provider.count('/introspect')).toBe(1);
    vi.setSystemTime(Date.now() + 6_000);
    // Past its exp (and the default clock tolerance): introspected again, and refused as expired.
    vi.setSystemTime(Date.now() + 60_000);
    expectRefused(await call('short-lived-token'), { status: 401, code: 'OAUTH_INVALID_TOKEN' });
    expect(s.provider.count('/introspect')).toBe(2);

    s.provider.script.introspection = { set: { aud: AUDIENCE } };
    const before = s.provider.count('/introspect');
    expect((await call('unknown-token')).status).toBe(401);
    vi.setSystemTime(Date.now() + 29_000);
    expect((await call('unknown-token')).status).toBe(401);
    expect(s.provider.count('/introspect')).toBe(before + 1);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await call('unknown-token')).status).toBe(401);
    expect(s.provider.count('/introspect')).toBe(before + 2);
  });

  it('sends one introspection for concurrent requests with the same token', async () => {
    const token = randomBytes(24).toString('base64url');
    s.provider.script.introspection = { delayMs: 50, set: { aud: AUDIENCE } };
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(token)));
    expect(responses.every((response) => response.status === 401)).toBe(true);
    expect(s.provider.count('/introspect')).toBe(1);
  });

  it('does not keep a failed introspection: the next request asks again', async () => {
    s.provider.script.introspection = { times: 1, status: 500, body: { error: 'server_error' } };
    const token = randomBytes(24).toString('base64url');
    const failed = await call(token).set('Accept', 'application/json');
    expect(failed.status).toBe(503);
    expect(failed.headers['www-authenticate']).toBeUndefined();
    expect((await call(token)).status).toBe(401);
    expect(s.provider.count('/introspect')).toBe(2);
  });

  it("keeps the guard's cache at cacheMaxEntries under a flood of four times as many random tokens", async () => {
    const tokens = Array.from({ length: FLOOD }, () => randomBytes(24).toString('base64url'));
    const send = async (batch: string[]) => {
      for (let i = 0; i < batch.length; i += 50) {
        const statuses = await Promise.all(
          batch.slice(i, i + 50).map(async (token) => {
            const response = await fetch(`${s.app.url}/api/data`, {
              headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
            });
            await response.arrayBuffer();
            return response.status;
          }),
        );
        expect(new Set(statuses)).toEqual(new Set([401]));
      }
    };
    await send(tokens);
    expect(s.provider.count('/introspect')).toBe(FLOOD);
    // The most recent tokens are still cached: sending them again asks nothing.
    await send(tokens.slice(-MAX_ENTRIES));
    expect(s.provider.count('/introspect')).toBe(FLOOD);
    // The first ones were evicted to keep the cache at its bound: they are asked about again.
    await send(tokens.slice(0, 10));
    expect(s.provider.count('/introspect')).toBe(FLOOD + 10);
  });
});

// The figure, 10,000 random tokens, sent to the introspector the guard uses, straight
// rather than through Express (which would take a minute), against the scripted provider's real
// introspection endpoint with the client's credentials.
describe('createIntrospector() under a flood of 10,000 random opaque tokens', () => {
  const TOKENS = 10_000;
  const BOUND = 1_000;
  /** Requests in flight at once: enough to overlap introspections, within one file's time. */
  const CONCURRENCY = 200;
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp();
  });
  afterAll(() => s.close());

  it('never holds more than cacheMaxEntries answers, introspects each token once, and repeats none still cached', async () => {
    const runtime = runtimeOfMiddleware(s.app.router);
    const server = await runtime?.providers.find('default')?.resourceServer?.();
    if (server === undefined) throw new Error('the app has no discovered default provider');
    const introspect = createIntrospector({ cacheMaxAge: 300, cacheMaxEntries: BOUND }, [AUDIENCE]);
    let largest = 0;
    const measure = () => {
      largest = Math.max(largest, introspect.cache.size);
    };
    // Measured at the provider too, while the answers being waited for are in the cache.
    s.provider.script.introspection = {
      body: (honest) => {
        measure();
        return honest;
      },
    };
    const refusals = new Set<string>();
    const send = async (tokens: readonly string[]) => {
      for (let i = 0; i < tokens.length; i += CONCURRENCY) {
        await Promise.all(
          tokens.slice(i, i + CONCURRENCY).map(async (token) => {
            try {
              await introspect(server, token, 0);
              refusals.add('accepted');
            } catch (error) {
              refusals.add(error instanceof OAuthError ? error.code : String(error));
            }
            measure();
          }),
        );
      }
    };
    const tokens = Array.from({ length: TOKENS }, () => randomBytes(24).toString('base64url'));
    expect(new Set(tokens).size).toBe(TOKENS);

    await send(tokens);
    expect([...refusals]).toEqual(['OAUTH_INVALID_TOKEN']);
    expect(largest).toBeLessThanOrEqual(BOUND);
    expect(introspect.cache.size).toBe(BOUND);
    const asked = new Map<string, number>();
    for (const received of s.provider.requests) {
      if (received.path !== '/introspect') continue;
      const token = received.form?.get('token') ?? '';
      asked.set(token, (asked.get(token) ?? 0) + 1);
    }
    expect(asked.size).toBe(TOKENS);
    expect(tokens.every((token) => asked.get(token) === 1)).toBe(true);

    // The last BOUND tokens are still in the cache, within its window: asked again, none is sent.
    await send(tokens.slice(-BOUND));
    expect(s.provider.count('/introspect')).toBe(TOKENS);
    // An evicted one is asked about again: the bound, not a leak, is what kept the cache small.
    await send(tokens.slice(0, 10));
    expect(s.provider.count('/introspect')).toBe(TOKENS + 10);
    expect(largest).toBeLessThanOrEqual(BOUND);
    // 10,000 loopback round trips take seconds on an idle machine; the limit only stops a hang.
  }, 120_000);
});

describe('requireBearer() with introspection: false', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp({ introspection: false });
  });
  afterAll(() => s.close());

  it('refuses opaque tokens without asking the provider', async () => {
    const response = await request(s.app.url)
      .get('/api/data')
      .set('Authorization', 'Bearer opaque-token');
    expectRefused(response, { status: 401, code: 'OAUTH_INVALID_TOKEN' });
    expect(s.provider.count('/introspect')).toBe(0);
  });
});

describe('requireAuthOrBearer()', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp();
  });
  afterAll(() => s.close());

  it('accepts a signed-in session, and the same user shape as a token gives', async () => {
    const { agent } = await signIn(s);
    const response = await agent.get('/api/either').expect(200);
    expect(response.body.user).toMatchObject({ sub: 'alice', provider: 'default' });
    expect(s.provider.count('/introspect')).toBe(0);
  });

  it('checks a token when one is sent, even with a session', async () => {
    const { agent } = await signIn(s);
    const response = await agent.get('/api/either').set('Authorization', 'Bearer forged');
    expectRefused(response, { status: 401, code: 'OAUTH_INVALID_TOKEN' });
  });

  it('answers 401 with a challenge without a session or a token', async () => {
    const response = await request(s.app.url).get('/api/either').set('Accept', 'text/html');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });
});
