// DPoP (RFC 9449) sign-in sessions against oidc-provider, a certified implementation: the code
// exchange, userinfo, a refresh and a token for an API (RFC 8707) are all proven with the
// sign-in's own key, and req.oauth.fetch() calls an API guarded by requireBearer(), which checks
// the proof and that the token is bound to that key. Then the same with nonces required by the
// provider and by the API (RFC 9449 §8 and §9).
import type { Express, RequestHandler } from 'express';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireBearer } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

const API = 'https://orders.api.example.test';

interface StoredTokens {
  accessToken: string;
  tokenType: string;
  dpopKey?: { alg: string; jwk: JWK };
}

interface Deployment {
  op: TestProvider;
  app: TestApp;
  /** Requests that reached the API, answered or refused. */
  apiCalls: number;
}

const handler =
  (fn: (...args: Parameters<RequestHandler>) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

/** The API (requireBearer) and a page that calls it through req.oauth.fetch(), on the app. */
function apiRoutes(deployment: () => Deployment, nonce: boolean) {
  return (express: Express) => {
    express.get(
      '/api/orders',
      (_req, _res, next) => {
        deployment().apiCalls += 1;
        next();
      },
      requireBearer({ audience: API, scopes: 'orders:read', dpop: { required: true, nonce } }),
      (req, res) => {
        res.json({ sub: req.oauthUser?.sub, cnf: req.oauthUser?.claims.cnf });
      },
    );
    express.get(
      '/call-api',
      handler(async (req, res) => {
        const answer = await req.oauth.fetch(`${deployment().app.url}/api/orders`, {
          resource: API,
          scope: 'orders:read',
        });
        res.status(answer.status).json(await answer.json());
      }),
    );
  };
}

async function deploy(nonce: boolean): Promise<Deployment> {
  const op = await startTestProvider({
    accessTokenTTL: 120,
    dpopNonce: nonce,
    resourceServers: { [API]: { scope: 'orders:read' } },
  });
  const deployment = { op, apiCalls: 0 } as Deployment;
  deployment.app = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      scope: 'openid profile email orders:read',
      authorizationParams: { resource: API },
      fetchUserInfo: true,
      dpop: true,
      timeout: 5_000,
    }),
    routes: apiRoutes(() => deployment, nonce),
  });
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${deployment.app.url}/callback`] });
  return deployment;
}

async function storedTokens(agent: Agent): Promise<StoredTokens> {
  return (await agent.get('/session').expect(200)).body.oauth.tokens as StoredTokens;
}

async function thumbprint(jwk: JWK): Promise<string> {
  const { kty, crv, x, y } = jwk;
  return calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
}

/** Moves Date (only Date) forward for the app and the in-process provider alike. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('dpop: true against oidc-provider', () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await deploy(false);
  });
  afterAll(async () => {
    await d.app.close();
    await d.op.close();
  });

  it('signs in with a DPoP-bound token and keeps the key in the session store, not the cookie', async () => {
    const agent = browser(d.app.url);
    const callback = await loginThroughProvider(agent);
    expect(callback.status, callback.text).toBe(303);
    const tokens = await storedTokens(agent);
    expect(tokens.tokenType).toBe('dpop');
    expect(tokens.dpopKey).toMatchObject({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(typeof tokens.dpopKey?.jwk.d).toBe('string');
    const cookies = ([] as string[]).concat(callback.headers['set-cookie'] ?? []).join(';');
    expect(cookies).not.toContain(tokens.dpopKey?.jwk.x);
    expect(cookies).not.toContain(tokens.dpopKey?.jwk.d);
    // fetchUserInfo at sign-in went through too: the opaque token worked at userinfo with a proof.
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it('calls userinfo with a proof', async () => {
    const agent = browser(d.app.url);
    await loginThroughProvider(agent);
    const info = await agent.get('/userinfo');
    expect(info.status, info.text).toBe(200);
    expect(info.body).toMatchObject({ sub: 'alice' });
  });

  it('calls a requireBearer() API through req.oauth.fetch() with a token bound to the sign-in key', async () => {
    const agent = browser(d.app.url);
    await loginThroughProvider(agent);
    const { dpopKey } = await storedTokens(agent);
    const answer = await agent.get('/call-api');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ sub: 'alice', cnf: { jkt: await thumbprint(dpopKey!.jwk) } });
    // The token for the API is useless without a proof: the API refuses it as a Bearer token and
    // as a DPoP token without a proof.
    const session = (await agent.get('/session').expect(200)).body.oauth;
    const apiToken = session.resourceTokens[`${API} orders:read`] as StoredTokens;
    expect(apiToken.tokenType).toBe('dpop');
    expect(apiToken.dpopKey).toBeUndefined();
    for (const scheme of ['Bearer', 'DPoP']) {
      const direct = await browser(d.app.url)
        .get('/api/orders')
        .set('Authorization', `${scheme} ${apiToken.accessToken}`);
      expect(direct.status).toBe(401);
    }
  });

  it('refuses getAccessToken() on the bound token with OAUTH_DPOP_PROOF_REQUIRED', async () => {
    const agent = browser(d.app.url);
    await loginThroughProvider(agent);
    const refused = await agent.get('/access-token');
    expect(refused.status).toBe(500);
    expect(refused.body.code).toBe('OAUTH_DPOP_PROOF_REQUIRED');
    expect(refused.body.message).toContain('req.oauth.fetch()');
    expect(refused.text).not.toContain((await storedTokens(agent)).accessToken);
  });

  it('refreshes with the same key, and the refreshed token still works at userinfo and the API', async () => {
    const agent = browser(d.app.url);
    await loginThroughProvider(agent);
    const before = await storedTokens(agent);
    d.op.resetCounts();
    advanceClock(5 * 60);
    const info = await agent.get('/userinfo');
    expect(info.status, info.text).toBe(200);
    expect(d.op.count('/token')).toBe(1);
    const after = await storedTokens(agent);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.tokenType).toBe('dpop');
    expect(after.dpopKey).toEqual(before.dpopKey);
    const answer = await agent.get('/call-api');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.cnf).toEqual({ jkt: await thumbprint(before.dpopKey!.jwk) });
  });

  it('gives each sign-in its own key', async () => {
    const first = browser(d.app.url);
    const second = browser(d.app.url);
    await loginThroughProvider(first);
    await loginThroughProvider(second);
    const a = (await storedTokens(first)).dpopKey!;
    const b = (await storedTokens(second)).dpopKey!;
    expect(await thumbprint(a.jwk)).not.toBe(await thumbprint(b.jwk));
  });
});

describe('dpop: true when the provider and the API require nonces', () => {
  let d: Deployment;

  beforeAll(async () => {
    d = await deploy(true);
  });
  afterAll(async () => {
    await d.app.close();
    await d.op.close();
  });

  it('answers the token endpoint use_dpop_nonce once, then signs in', async () => {
    const agent = browser(d.app.url);
    d.op.resetCounts();
    const callback = await loginThroughProvider(agent);
    expect(callback.status, callback.text).toBe(303);
    // The first code exchange was answered use_dpop_nonce, the second carried the nonce.
    expect(d.op.count('/token')).toBe(2);
    // userinfo at sign-in used the nonce the token endpoint gave: no third round trip.
    expect(d.op.count('/me')).toBe(1);
    expect((await storedTokens(agent)).tokenType).toBe('dpop');
  });

  it('answers the API use_dpop_nonce once, and userinfo and refresh with the nonce too', async () => {
    const agent = browser(d.app.url);
    await loginThroughProvider(agent);
    d.apiCalls = 0;
    const answer = await agent.get('/call-api');
    expect(answer.status, answer.text).toBe(200);
    expect(d.apiCalls).toBe(2);
    const info = await agent.get('/userinfo');
    expect(info.status, info.text).toBe(200);
    advanceClock(5 * 60);
    d.op.resetCounts();
    const refreshed = await agent.get('/userinfo');
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(d.op.count('/token')).toBe(2);
  });
});
