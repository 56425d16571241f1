// Issue 9: tokens sat in the session store in clear, so a Redis dump or a backup gave away every
// user's refresh token. The stored session must hold no token, nor any part of one, and a
// signed-in request whose token no handler uses must decrypt nothing. Issue 15: the tokens live in
// their own store entry, beside the session, so such a request does not even read them.
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeOfMiddleware } from '../../src/middleware.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { requireRedis, startRedis, startRedisApp } from '../helpers/redis.js';
import type { RedisServer, RedisTestApp } from '../helpers/redis.js';
import type { Agent } from '../helpers/login.js';

const hasRedis = await requireRedis();

let op: TestProvider;

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(() => op.close());

const oauth = () => ({
  issuer: op.issuer,
  clientId: TEST_CLIENT.client_id,
  clientSecret: TEST_CLIENT.client_secret,
});

/** Signs in and returns the session id and the decrypted tokens, as the fixture shows them. */
async function signInAndRead(app: TestApp, agent: Agent) {
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
  expect((await loginThroughProvider(agent)).status).toBe(303);
  const view = (await agent.get('/session').expect(200)).body as {
    id: string;
    oauth: { tokens: Record<string, string> };
  };
  return { id: view.id, tokens: view.oauth.tokens };
}

/** Every token string and each part of a JWT (header, payload, signature) that must not be stored. */
function secretsOf(tokens: Record<string, string>): string[] {
  const secrets: string[] = [];
  for (const name of ['accessToken', 'refreshToken', 'idToken']) {
    const value = tokens[name];
    expect(value, `the sign-in has a ${name}`).toBeTypeOf('string');
    secrets.push(value!);
    for (const part of value!.split('.')) if (part.length >= 16) secrets.push(part);
  }
  return secrets;
}

/** The session and its token entry, as the store holds them: neither holds a token. */
function expectNoToken(
  stored: { session: string | undefined; tokens: string | undefined },
  tokens: Record<string, string>,
): void {
  const session = stored.session ?? '';
  const entry = stored.tokens ?? '';
  expect(session.length).toBeGreaterThan(0);
  expect(entry.length).toBeGreaterThan(0);
  for (const secret of secretsOf(tokens)) {
    expect(session).not.toContain(secret);
    expect(entry).not.toContain(secret);
  }
  // The expiry stays in clear in the session, for the per-request check; the user too, for
  // req.oauthUser. The tokens are one sealed value in their own entry, not in the session.
  const clear = JSON.parse(session).oauth.tokens as Record<string, unknown>;
  expect(clear).toMatchObject({ expiresAt: expect.any(Number), sealedWith: expect.any(String) });
  expect(
    Object.values(clear).some((value) => typeof value === 'string' && value.length > 100),
  ).toBe(false);
  expect(JSON.parse(entry)).toMatchObject({ oauthTokens: expect.stringMatching(/^eyJ/) });
}

describe('tokens at rest in the memory store', () => {
  let app: TestApp;
  const store = new session.MemoryStore();

  beforeAll(async () => {
    app = await startTestApp({ oauth, store });
  });
  afterAll(() => app.close());

  it('stores no token nor any part of one', async () => {
    const { id, tokens } = await signInAndRead(app, browser(app.url));
    const { sessions } = store as unknown as { sessions: Record<string, string> };
    expectNoToken({ session: sessions[id], tokens: sessions[`oauth-tokens:${id}`] }, tokens);
  });

  it('neither reads nor decrypts the tokens for a signed-in request whose token no handler uses', async () => {
    const agent = browser(app.url);
    await signInAndRead(app, agent);
    const get = store.get.bind(store);
    const reads: string[] = [];
    store.get = (sid, callback) => {
      reads.push(sid);
      get(sid, callback);
    };
    const keys = runtimeOfMiddleware(app.router)!.options.secretKeys as { open: unknown };
    const open = keys.open as (...args: unknown[]) => Promise<unknown>;
    let opened = 0;
    keys.open = (...args: unknown[]) => {
      opened += 1;
      return open(...args);
    };
    try {
      await agent.get('/me').expect(200);
      await agent.get('/').expect(200);
      expect(opened).toBe(0);
      expect(reads.filter((sid) => sid.startsWith('oauth-tokens:'))).toEqual([]);
      expect(reads).toHaveLength(2);
      // A handler that sends the token reads and decrypts it.
      await agent.get('/access-token').expect(200);
      expect(opened).toBeGreaterThan(0);
      expect(reads.filter((sid) => sid.startsWith('oauth-tokens:'))).toHaveLength(1);
    } finally {
      keys.open = open;
      store.get = get;
    }
  });
});

describe.skipIf(!hasRedis)('tokens at rest in Redis', () => {
  let redis: RedisServer;
  let app: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    app = await startRedisApp({ redisUrl: redis.url, prefix: 'rest:', oauth });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('stores no token nor any part of one', async () => {
    const { id, tokens } = await signInAndRead(app, browser(app.url));
    const client = app.sessions.client;
    expectNoToken(
      {
        session: (await client.get(`rest:${id}`)) ?? undefined,
        tokens: (await client.get(`rest:oauth-tokens:${id}`)) ?? undefined,
      },
      tokens,
    );
    // Redis forgets the tokens after the sign-in's end (absoluteDuration, 7 days by default) and
    // one session lifetime more (a day here: the cookie sets no maxAge), when no one deletes them.
    const ttl = await client.ttl(`rest:oauth-tokens:${id}`);
    expect(ttl).toBeGreaterThan(8 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(8 * 24 * 3600);
  });
});
