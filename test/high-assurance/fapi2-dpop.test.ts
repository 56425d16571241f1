/**
 * The whole FAPI 2.0 sign-in with DPoP, behind a load balancer: `profile: 'fapi2'` with
 * private_key_jwt (ES256), pushed authorization requests (required by the provider), PKCE and
 * DPoP-bound tokens, against oidc-provider's FAPI 2.0 profile. Two app instances share their
 * sessions in one Redis: the user signs in through A, and B calls a DPoP-protected API
 * (requireBearer() on a third server) through req.oauth.fetch() with the key A made.
 */
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { pathOf } from '../helpers/login.js';
import { completeLogin, startTestProvider } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import {
  LoadBalancedBrowser,
  requireRedis,
  sessionIdOf,
  startRedis,
  startRedisApp,
} from '../helpers/redis.js';
import type { RedisServer, RedisTestApp } from '../helpers/redis.js';
import { API, callApiRoute, PUBLIC_URL, startOrdersApi, thumbprint } from './dpop-api.js';

const hasRedis = await requireRedis();

const PREFIX = 'fapi:';

describe.skipIf(!hasRedis)("profile: 'fapi2' with DPoP, two instances on one Redis", () => {
  let redis: RedisServer;
  let op: TestProvider;
  let api: TestApp;
  let a: RedisTestApp;
  let b: RedisTestApp;

  beforeAll(async () => {
    redis = (await startRedis())!;
    const client = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await exportJWK(client.publicKey)), alg: 'ES256', kid: 'broker-1' };
    const privateJwk = { ...(await exportJWK(client.privateKey)), alg: 'ES256', kid: 'broker-1' };
    op = await startTestProvider({
      fapi2: true,
      requirePushedAuthorizationRequests: true,
      resourceServers: { [API]: { scope: 'orders:read' } },
      clients: [
        {
          client_id: 'broker',
          redirect_uris: [`${PUBLIC_URL}/callback`],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          id_token_signed_response_alg: 'ES256',
          dpop_bound_access_tokens: true,
          jwks: { keys: [publicJwk] },
        },
      ],
    });
    api = await startOrdersApi(op.issuer);
    const instance = (): Promise<RedisTestApp> =>
      startRedisApp({
        redisUrl: redis.url,
        prefix: PREFIX,
        oauth: () => ({
          issuer: op.issuer,
          clientId: 'broker',
          clientPrivateKey: privateJwk,
          profile: 'fapi2',
          // The test provider is plain http on loopback; the profile refuses that otherwise.
          allowLoopbackHttpInTests: true,
          dpop: true,
          baseURL: PUBLIC_URL,
          scope: 'openid email orders:read',
          authorizationParams: { resource: API },
          timeout: 5_000,
        }),
        routes: callApiRoute(() => api),
      });
    a = await instance();
    b = await instance();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await api?.close();
    await op?.close();
    await redis?.stop();
  });

  it('signs in through A with PAR, private_key_jwt and DPoP, and calls the API through B', async () => {
    const browser = new LoadBalancedBrowser();
    op.resetCounts();
    const login = await browser.get(a, '/login');
    expect(login.status).toBe(303);
    // RFC 9126 §4: the browser carries only the client and the pushed request's handle.
    const authorization = new URL(login.headers.location as string);
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(op.count('/request')).toBe(1);
    const callback = await completeLogin(authorization.href);
    // RFC 9207: the FAPI 2.0 profile makes the provider name itself in the response.
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
    const landed = await browser.get(a, pathOf(callback));
    expect(landed.status, landed.text).toBe(303);

    // The tokens and the key are sealed in the store: read them opened, through the app.
    const stored = (await browser.get(b, '/session')).body as {
      oauth: { tokens: { tokenType: string; dpopKey: { jwk: JWK } } };
    };
    const sid = sessionIdOf(browser.cookie('connect.sid'))!;
    const raw = (await b.sessions.client.get(`${PREFIX}${sid}`))!;
    expect(raw).not.toContain(stored.oauth.tokens.dpopKey.jwk.d);
    expect(stored.oauth.tokens.tokenType).toBe('dpop');
    const jkt = await thumbprint(stored.oauth.tokens.dpopKey.jwk);

    const onB = await browser.get(b, '/call-api');
    expect(onB.status, onB.text).toBe(200);
    expect(onB.body).toEqual({ sub: 'alice', cnf: { jkt } });
  });
});
