/**
 * Providers per tenant: the cache of resolved tenants is bounded (least recently used out
 * first), whatever number of tenants the resolver is made to answer; and a tenant's configuration
 * is validated once, at its first request, then kept while it is cached.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthTenant } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

const DISCOVERY = '/.well-known/openid-configuration';
const CACHE_SIZE = 3;

describe('providers per tenant: the tenant cache', () => {
  let idp: TestProvider;
  let app: TestApp;
  let resolved = 0;
  /** Answers for a tenant key, replacing the default one. */
  const overrides = new Map<string, Partial<OAuthTenant>>();

  beforeAll(async () => {
    idp = await startTestProvider();
    app = await startTestApp({
      oauth: (baseURL) => ({
        providers: {
          // A resolver that trusts the Host header blindly: any name becomes a tenant, as a
          // careless application's would. The cache must stay bounded all the same.
          resolve(req) {
            resolved += 1;
            const tenant = (req.headers.host ?? '').split('.')[0] ?? '';
            return {
              tenant,
              baseURL,
              providers: {
                idp: {
                  issuer: idp.issuer,
                  clientId: TEST_CLIENT.client_id,
                  clientSecret: TEST_CLIENT.client_secret,
                  allowInsecureHttp: true,
                },
              },
              ...overrides.get(tenant),
            };
          },
          cacheSize: CACHE_SIZE,
        },
      }),
    });
  });

  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  const startLoginOn = (tenant: string) =>
    request(app.url).get('/login/idp').set('Host', `${tenant}.tenants.test`);

  it('keeps at most cacheSize tenants, the least recently used leaving first, and discovers their shared issuer once', async () => {
    idp.resetCounts();
    for (const tenant of ['t1', 't2', 't3']) expect((await startLoginOn(tenant)).status).toBe(303);
    // Three tenants, one issuer reached the same way: discovered once, for all of them.
    expect(idp.count(DISCOVERY)).toBe(1);
    // t1 is used again, from the cache, and t2 is now the least recently used.
    expect((await startLoginOn('t1')).status).toBe(303);
    expect((await startLoginOn('t4')).status).toBe(303);
    expect(Object.keys((await app.router.health()).tenants ?? {}).sort()).toEqual([
      't1',
      't3',
      't4',
    ]);
    // t2 was evicted: it is resolved anew, and finds its issuer's metadata still cached.
    expect((await startLoginOn('t2')).status).toBe(303);
    expect(Object.keys((await app.router.health()).tenants ?? {})).toContain('t2');
    expect(idp.count(DISCOVERY)).toBe(1);
  });

  it('stays bounded when a forged Host header makes the resolver answer a new tenant per request', async () => {
    const before = resolved;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(app.url).get('/').set('Host', `forged${i}.tenants.test`),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(resolved - before).toBe(200);
    const tenants = Object.keys((await app.router.health()).tenants ?? {});
    expect(tenants).toHaveLength(CACHE_SIZE);
    expect(tenants.every((tenant) => tenant.startsWith('forged'))).toBe(true);
  });

  it("validates a tenant's configuration once, at its first request, then keeps it while cached", async () => {
    expect((await startLoginOn('kept')).status).toBe(303);
    // The same key now answers a configuration that would fail validation: the cached one is
    // used, unchanged. A changed configuration needs a new key.
    overrides.set('kept', { providers: { idp: { issuer: 'not a url' } as never } });
    const again = await startLoginOn('kept');
    expect(again.status).toBe(303);
    expect(new URL(again.headers.location as string).origin).toBe(new URL(idp.issuer).origin);
    overrides.set('kept2', { providers: { idp: { issuer: 'not a url' } as never } });
    const fresh = await startLoginOn('kept2').set('Accept', 'application/json');
    expect(fresh.status).toBe(500);
    expect(fresh.body.code).toBe('OAUTH_TENANT_UNAVAILABLE');
  });
});
