/**
 * Regression: the back-channel logout index was read-modify-written without a lock, so after 20
 * parallel logins of one user it listed 2 of the 20 sessions, and a valid logout token left 15 to
 * 18 of them signed in. Index records are now updated under the shared lock; and without
 * back-channel logout turned on, a login does no index work in the store at all.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../helpers/login.js';
import { LoadBalancedBrowser, requireRedis, startRedis, startRedisApp } from '../helpers/redis.js';
import type { RedisServer, RedisTestApp } from '../helpers/redis.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const hasRedis = await requireRedis();

const PUBLIC_URL = 'http://localhost:8080';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const LOGINS = 20;

describe.skipIf(!hasRedis)('back-channel logout across two instances on one Redis', () => {
  let redis: RedisServer;
  let provider: ScriptedProvider;
  let a: RedisTestApp;
  let b: RedisTestApp;
  let off: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    provider = await startScriptedProvider();
    const instance = (prefix: string, backchannelLogout: string | false) =>
      startRedisApp({
        redisUrl: redis.url,
        prefix,
        oauth: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          baseURL: PUBLIC_URL,
          routes: { backchannelLogout },
        }),
      });
    a = await instance('sess:', '/backchannel-logout');
    b = await instance('sess:', '/backchannel-logout');
    off = await instance('off:', false);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await off?.close();
    await provider?.close();
    await redis?.stop();
  });

  /** Starts the login on one instance and lets the provider's redirect land on the other. */
  async function logIn(start: RedisTestApp, land: RedisTestApp): Promise<LoadBalancedBrowser> {
    const browser = new LoadBalancedBrowser();
    const login = await browser.get(start, '/login');
    expect(login.status).toBe(303);
    const callback = await authorize(provider, new URL(login.headers.location as string));
    expect((await browser.get(land, pathOf(callback))).status).toBe(303);
    return browser;
  }

  it(`ends all ${LOGINS} sessions of a user who logged in ${LOGINS} times at once, with one logout token`, async () => {
    const browsers = await Promise.all(
      Array.from({ length: LOGINS }, (_, i) => (i % 2 === 0 ? logIn(a, b) : logIn(b, a))),
    );
    for (const [i, browser] of browsers.entries()) {
      expect((await browser.get(i % 2 === 0 ? a : b, '/me')).status).toBe(200);
    }
    const token = await provider.sign({
      iss: provider.issuer,
      aud: provider.clientId,
      iat: Math.floor(Date.now() / 1000) + 1,
      jti: randomUUID(),
      events: { [EVENT]: {} },
      sub: provider.subject,
    });
    await request(a.url)
      .post('/backchannel-logout')
      .type('form')
      .send({ logout_token: token })
      .expect(200);
    const after = await Promise.all(
      browsers.map((browser, i) => browser.get(i % 2 ? a : b, '/me')),
    );
    expect(after.map((response) => response.status)).toEqual(Array(LOGINS).fill(401));
  });

  it('does no index work in the store when back-channel logout is off', async () => {
    await logIn(off, off);
    // The session and its tokens' entry, nothing more.
    const keys = await off.sessions.client.keys('off:*');
    expect(keys.length).toBe(2);
    expect(keys.filter((key) => key.startsWith('off:oauth-tokens:'))).toHaveLength(1);
    expect(keys.some((key) => key.includes('oauth-index'))).toBe(false);
  });
});
