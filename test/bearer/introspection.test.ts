// requireBearer() with opaque access tokens: RFC 7662 introspection at the scripted provider with
// the client's credentials, answers cached for at most the token's lifetime and the cap, in a
// cache that a flood of random tokens fills but never grows.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize } from '../helpers/scripted-provider.js';
import { AUDIENCE, expectRefused, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

const MAX_ENTRIES = 500;
/** Four times the cache bound: enough to show it is filled and never grown, in a few seconds. */
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

  it('stays bounded under a flood of random tokens (four times its bound), one introspection per distinct token', async () => {
    const tokens = Array.from({ length: FLOOD }, () => randomBytes(24).toString('base64url'));
    const send = async (batch: string[]) => {
      for (let i = 0; i < batch.length; i += 100) {
        const statuses = await Promise.all(
          batch.slice(i, i + 100).map(async (token) => {
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
    await send(tokens.slice(0, 100));
    expect(s.provider.count('/introspect')).toBe(FLOOD + 100);
  }, 60_000);
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
