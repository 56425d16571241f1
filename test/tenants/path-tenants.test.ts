/**
 * Providers per tenant chosen by path: the middleware mounted under `/t/:tenant`, one host, so
 * one browser's single session cookie reaches every tenant. The tenant recorded in the pending
 * login and in the session is then all that keeps them apart.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireAuth } from '../../src/index.js';
import { browser, pathOf } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { TEST_SECRET } from '../helpers/app.js';
import { pendingLoginCookies } from './tenant-app.js';

const TENANTS = ['acme', 'globex'];

describe('providers per tenant, chosen by path, sharing one session cookie', () => {
  let idp: TestProvider;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const app = express();
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    idp = await startTestProvider({
      redirectUris: TENANTS.map((tenant) => `${origin}/t/${tenant}/callback/idp`),
    });
    app.use(
      session({
        secret: 'test-session-secret-that-is-long-enough',
        resave: false,
        saveUninitialized: false,
      }),
    );
    app.use(
      '/t/:tenant',
      oauthMiddleware({
        baseURL: origin,
        secret: TEST_SECRET,
        logger: false,
        providers: {
          resolve(req) {
            const tenant = req.baseUrl.slice('/t/'.length);
            if (!TENANTS.includes(tenant)) return undefined;
            return {
              tenant,
              baseURL: `${origin}/t/${tenant}`,
              providers: {
                idp: {
                  issuer: idp.issuer,
                  clientId: TEST_CLIENT.client_id,
                  clientSecret: TEST_CLIENT.client_secret,
                  allowInsecureHttp: true,
                },
              },
              defaultProvider: 'idp',
            };
          },
        },
      }),
    );
    app.get('/t/:tenant/me', requireAuth(), (req, res) => {
      res.json(req.oauthUser);
    });
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await idp?.close();
  });

  const me = (agent: ReturnType<typeof browser>, tenant: string) =>
    agent.get(`/t/${tenant}/me`).set('Accept', 'application/json');

  it("signs in on one tenant's path and is nobody on the other's, with the same cookie", async () => {
    const agent = browser(origin);
    const login = await agent.get('/t/acme/login/idp');
    expect(login.status).toBe(303);
    const authorization = new URL(login.headers.location as string);
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${origin}/t/acme/callback/idp`);
    const callback = await completeLogin(authorization);
    expect((await agent.get(pathOf(callback))).status).toBe(303);
    expect((await me(agent, 'acme')).status).toBe(200);
    const elsewhere = await me(agent, 'globex');
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.code).toBe('OAUTH_LOGIN_REQUIRED');
    // Still signed in on acme: globex's refusal changed nothing.
    expect((await me(agent, 'acme')).status).toBe(200);
  });

  it("refuses acme's callback delivered to globex's callback route, before any token request", async () => {
    const agent = browser(origin);
    const login = await agent.get('/t/acme/login/idp');
    const callback = await completeLogin(new URL(login.headers.location as string));
    idp.resetCounts();
    const moved = `/t/globex/callback/idp${callback.search}`;
    // The pending-login cookie is scoped to acme's callback path: globex never receives it.
    const unseen = await agent.get(moved).set('Accept', 'application/json');
    expect(unseen.status).toBe(400);
    expect(unseen.body.code).toBe('OAUTH_NO_TRANSACTION');
    // Copied there by hand, it is refused as another tenant's.
    const refused = await request(origin)
      .get(moved)
      .set('Cookie', pendingLoginCookies(login.headers['set-cookie']))
      .set('Accept', 'application/json');
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('OAUTH_TENANT_MISMATCH');
    expect(idp.count('/token')).toBe(0);
    expect((await me(agent, 'globex')).status).toBe(401);
    expect((await me(agent, 'acme')).status).toBe(401);
  });

  it('answers 404 OAUTH_UNKNOWN_TENANT under an unknown prefix', async () => {
    const response = await browser(origin)
      .get('/t/initech/login/idp')
      .set('Accept', 'application/json');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('OAUTH_UNKNOWN_TENANT');
  });
});
