/**
 * One requireBearer() guard serving two tenants, each with its own provider: an opaque token is
 * introspected at the provider of the tenant it was sent to. An answer one provider gave is never
 * reused for another, even for the same token string: the other provider may never have issued it.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireBearer } from '../../src/index.js';
import { AUDIENCE } from '../bearer/harness.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import { startTenantApp } from './tenant-app.js';
import type { TenantApp } from './tenant-app.js';

describe('requireBearer() introspection with a provider per tenant', () => {
  let app: TenantApp;
  let idpA: ScriptedProvider;
  let idpB: ScriptedProvider;

  beforeAll(async () => {
    [idpA, idpB] = await Promise.all([startScriptedProvider(), startScriptedProvider()]);
    app = await startTenantApp({
      providers: ({ a, b }) => ({
        resolve(req) {
          const host = req.headers.host;
          const tenant = host === a.host ? 'a' : host === b.host ? 'b' : undefined;
          if (tenant === undefined) return undefined;
          const idp = tenant === 'a' ? idpA : idpB;
          return {
            tenant,
            baseURL: tenant === 'a' ? a.origin : b.origin,
            providers: {
              idp: {
                issuer: idp.issuer,
                clientId: idp.clientId,
                clientSecret: idp.clientSecret,
                allowInsecureHttp: true,
              },
            },
            defaultProvider: 'idp',
          };
        },
      }),
      routes: (express) => {
        express.get(
          '/api/data',
          requireBearer({ audience: AUDIENCE, introspection: { cacheMaxAge: 300 } }),
          (req, res) => res.json({ user: req.oauthUser }),
        );
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await idpA?.close();
    await idpB?.close();
  });

  beforeEach(() => {
    idpA.reset();
    idpB.reset();
    // Tenant A's provider issued the token; tenant B's never heard of it.
    idpA.script.introspection = {
      body: (honest) => ({
        ...honest,
        active: true,
        sub: 'alice',
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
    };
    idpB.script.introspection = { set: { aud: AUDIENCE } };
  });

  const call = (origin: string, token: string) =>
    request(origin)
      .get('/api/data')
      .set('Authorization', `Bearer ${token}`)
      .set('Accept', 'application/json');

  it("asks each tenant's provider about the same token string, and keeps each answer apart", async () => {
    const token = 'opaque-token-both-tenants-are-sent';
    const atA = await call(app.a, token);
    expect(atA.status, atA.text).toBe(200);
    expect(atA.body.user).toMatchObject({ sub: 'alice' });
    expect(idpA.last('/introspect')?.form?.get('token')).toBe(token);

    // Tenant A's answer is cached, and must not stand for tenant B's provider.
    const atB = await call(app.b, token);
    expect(atB.status, atB.text).toBe(401);
    expect(atB.body.code).toBe('OAUTH_INVALID_TOKEN');
    expect(idpB.count('/introspect')).toBe(1);
    expect(idpB.last('/introspect')?.form?.get('token')).toBe(token);

    // Each answer is cached for its own provider: sent again, neither is asked again.
    expect((await call(app.a, token)).status).toBe(200);
    expect((await call(app.b, token)).status).toBe(401);
    expect(idpA.count('/introspect')).toBe(1);
    expect(idpB.count('/introspect')).toBe(1);
  });
});
