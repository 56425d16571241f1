// requireBearer() with DPoP behind a load balancer: two app instances share one real Redis as
// their replay store and one nonce secret, so a proof used at one instance is refused at the
// other, and a nonce handed out by one is accepted by the other.
import request from 'supertest';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisReplayStore, requireBearer } from '../../src/index.js';
import type { RequireBearerOptions } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { requireRedis, startRedis } from '../helpers/redis.js';
import type { RedisClient, RedisServer } from '../helpers/redis.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { AUDIENCE, createDpopKey, dpopProof, expectRefused, signAccessToken } from './harness.js';
import type { DpopKey } from './harness.js';

const hasRedis = await requireRedis();

/** The load balancer's address, which both instances are configured with; nothing listens on it. */
const PUBLIC_URL = 'http://localhost:8080';
const NONCE_SECRET = 'shared-dpop-nonce-secret-0123456789abcdef';
const PREFIX = 'test-dpop-jti:';

describe.skipIf(!hasRedis)('requireBearer() with DPoP on two instances sharing Redis', () => {
  let redis: RedisServer;
  let provider: ScriptedProvider;
  const clients: RedisClient[] = [];
  const instances: TestApp[] = [];

  /** An instance with its own Redis client, as a separate process would have. */
  async function startInstance(dpop: RequireBearerOptions['dpop']): Promise<TestApp> {
    const client = createClient({ url: redis.url });
    await client.connect();
    clients.push(client);
    const replayStore = createRedisReplayStore(client, { prefix: PREFIX });
    const instance = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        baseURL: PUBLIC_URL,
      }),
      routes: (app) => {
        app.get(
          '/api/data',
          requireBearer({ audience: AUDIENCE, dpop: { ...dpop, replayStore } }),
          (req, res) => res.json({ user: req.oauthUser }),
        );
      },
    });
    instances.push(instance);
    return instance;
  }

  beforeAll(async () => {
    redis = (await startRedis())!;
    provider = await startScriptedProvider();
  });

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    for (const client of clients) await client.close();
    await provider?.close();
    await redis?.stop();
  });

  const url = `${PUBLIC_URL}/api/data`;
  const call = (instance: TestApp, token: string, proof: string) =>
    request(instance.url).get('/api/data').set('Authorization', `DPoP ${token}`).set('DPoP', proof);

  async function boundToken(): Promise<{ key: DpopKey; token: string }> {
    const key = await createDpopKey();
    return { key, token: await signAccessToken(provider, { cnf: { jkt: key.jkt } }) };
  }

  describe('the replay store', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      a = await startInstance({});
      b = await startInstance({});
    });

    it('refuses at instance B a proof instance A accepted, whose jti A recorded in Redis', async () => {
      const { key, token } = await boundToken();
      const proof = await dpopProof(key, { url, accessToken: token });
      const accepted = await call(a, token, proof);
      expect(accepted.status, accepted.text).toBe(200);
      expect(await clients[0]!.keys(`${PREFIX}${key.jkt}:*`)).toHaveLength(1);
      expectRefused(await call(b, token, proof), {
        status: 401,
        code: 'OAUTH_INVALID_DPOP_PROOF',
        challenge: /^DPoP error="invalid_dpop_proof"/,
        message: /replay|used before/,
      });
      // A fresh proof with the same key and token is still good at B: only the jti was spent.
      const fresh = await call(b, token, await dpopProof(key, { url, accessToken: token }));
      expect(fresh.status, fresh.text).toBe(200);
    });

    it('lets exactly one of two instances accept a proof sent to both at once', async () => {
      const { key, token } = await boundToken();
      const proof = await dpopProof(key, { url, accessToken: token });
      const statuses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => call(i % 2 === 0 ? a : b, token, proof)),
      );
      expect(statuses.map((response) => response.status).sort()).toEqual([
        200, 401, 401, 401, 401, 401, 401, 401, 401, 401,
      ]);
    });
  });

  describe('server nonces with one secret', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      a = await startInstance({ nonce: { secret: NONCE_SECRET } });
      b = await startInstance({ nonce: { secret: NONCE_SECRET } });
    });

    it('accepts at instance B the nonce instance A handed out, and at A the one B handed out', async () => {
      const { key, token } = await boundToken();
      const asked = await call(a, token, await dpopProof(key, { url, accessToken: token }));
      expectRefused(asked, {
        status: 401,
        code: 'OAUTH_USE_DPOP_NONCE',
        challenge: /^DPoP error="use_dpop_nonce"/,
      });
      const fromA = asked.headers['dpop-nonce'] as string;
      expect(fromA).toMatch(/^[\w.-]+$/);
      const atB = await call(
        b,
        token,
        await dpopProof(key, { url, accessToken: token, nonce: fromA }),
      );
      expect(atB.status, atB.text).toBe(200);
      const fromB = atB.headers['dpop-nonce'] as string;
      expect(fromB).toMatch(/^[\w.-]+$/);
      const atA = await call(
        a,
        token,
        await dpopProof(key, { url, accessToken: token, nonce: fromB }),
      );
      expect(atA.status, atA.text).toBe(200);
    });

    it('refuses a nonce made with another secret', async () => {
      const other = await startInstance({ nonce: { secret: `${NONCE_SECRET}-other` } });
      const { key, token } = await boundToken();
      const asked = await call(other, token, await dpopProof(key, { url, accessToken: token }));
      const foreign = asked.headers['dpop-nonce'] as string;
      expect(foreign).toMatch(/^[\w.-]+$/);
      expectRefused(
        await call(b, token, await dpopProof(key, { url, accessToken: token, nonce: foreign })),
        { status: 401, code: 'OAUTH_USE_DPOP_NONCE' },
      );
    });
  });
});
