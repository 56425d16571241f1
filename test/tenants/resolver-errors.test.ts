/**
 * Providers per tenant: whatever the resolver does (throw, reject, answer nothing, answer
 * garbage), the request gets a clean typed error, never a 500 with a stack; and the resolver
 * option itself is checked when the middleware is created.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import type { OAuthTenantProviders, OAuthError } from '../../src/index.js';
import { startTestApp, TEST_SECRET } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';

const ISSUER = 'https://idp.tenants.test';
const valid = { issuer: ISSUER, clientId: 'client', clientSecret: 'secret' };

/** Each answer, keyed by the Host the test sends. */
const answers: Record<string, () => unknown> = {
  'throws.test': () => {
    throw new Error('tenant database is down');
  },
  'rejects.test': () => Promise.reject(new Error('tenant database is down')),
  'nothing.test': () => undefined,
  'null.test': () => null,
  'number.test': () => 42,
  'string.test': () => 'acme',
  'no-key.test': () => ({ providers: { idp: valid } }),
  'bad-key.test': () => ({ tenant: 'acme/../b', providers: { idp: valid } }),
  'long-key.test': () => ({ tenant: 'a'.repeat(129), providers: { idp: valid } }),
  'no-providers.test': () => ({ tenant: 'acme' }),
  'empty-providers.test': () => ({ tenant: 'acme', providers: {} }),
  'bad-issuer.test': () => ({ tenant: 'acme', providers: { idp: { ...valid, issuer: 'nope' } } }),
  'typo.test': () => ({ tenant: 'acme', providers: { idp: { ...valid, clientID: 'x' } } }),
  'unknown-key.test': () => ({ tenant: 'acme', provider: { idp: valid } }),
  'bad-base.test': () => ({ tenant: 'acme', baseURL: 'ftp://acme', providers: { idp: valid } }),
  'bad-default.test': () => ({ tenant: 'acme', providers: { idp: valid }, defaultProvider: 'x' }),
};

describe('providers per tenant: a resolver that fails', () => {
  let app: TestApp;
  const errors: OAuthError[] = [];

  beforeAll(async () => {
    app = await startTestApp({
      oauth: () => ({
        providers: {
          resolve: (req) =>
            answers[req.headers.host ?? '']?.() as ReturnType<OAuthTenantProviders['resolve']>,
        },
        onError: (error, _req, res) => {
          errors.push(error);
          res.status(error.status).json({ code: error.code });
        },
      }),
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  async function failureFor(host: string): Promise<OAuthError> {
    errors.length = 0;
    const response = await request(app.url).get('/login').set('Host', host);
    expect(errors).toHaveLength(1);
    expect(response.status).toBe(errors[0]!.status);
    return errors[0]!;
  }

  it.each(['throws.test', 'rejects.test'])(
    'answers 500 OAUTH_TENANT_UNAVAILABLE, with the error as cause, when the resolver %s',
    async (host) => {
      const error = await failureFor(host);
      expect(error.code).toBe('OAUTH_TENANT_UNAVAILABLE');
      expect(error.status).toBe(500);
      expect((error.cause as Error).message).toBe('tenant database is down');
    },
  );

  it.each(['nothing.test', 'null.test'])(
    'answers 404 OAUTH_UNKNOWN_TENANT when the resolver finds no tenant (%s)',
    async (host) => {
      const error = await failureFor(host);
      expect(error.code).toBe('OAUTH_UNKNOWN_TENANT');
      expect(error.status).toBe(404);
    },
  );

  it.each([
    ['number.test', 'ERR_INVALID_ARG_TYPE'],
    ['string.test', 'ERR_INVALID_ARG_TYPE'],
    ['no-key.test', 'ERR_INVALID_ARG_VALUE'],
    ['bad-key.test', 'ERR_INVALID_ARG_VALUE'],
    ['long-key.test', 'ERR_INVALID_ARG_VALUE'],
    ['no-providers.test', 'ERR_MISSING_OPTION'],
    ['empty-providers.test', 'ERR_INVALID_ARG_VALUE'],
    ['bad-issuer.test', 'ERR_INVALID_ARG_VALUE'],
    ['typo.test', 'ERR_INVALID_ARG_VALUE'],
    ['unknown-key.test', 'ERR_INVALID_ARG_VALUE'],
    ['bad-base.test', 'ERR_INVALID_ARG_VALUE'],
    ['bad-default.test', 'ERR_INVALID_ARG_VALUE'],
  ])(
    'answers 500 OAUTH_TENANT_UNAVAILABLE with the creation-time TypeError as cause (%s)',
    async (host, code) => {
      const error = await failureFor(host);
      expect(error.code).toBe('OAUTH_TENANT_UNAVAILABLE');
      expect(error.cause).toBeInstanceOf(TypeError);
      expect((error.cause as TypeError & { code: string }).code).toBe(code);
    },
  );

  it('names the typo in the cause, as at creation', async () => {
    const error = await failureFor('typo.test');
    expect((error.cause as Error).message).toBe(
      'unknown option "providers.idp.clientID"; did you mean "providers.idp.clientId"?',
    );
  });
});

describe('providers per tenant: the default error page', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      oauth: () => ({
        providers: {
          resolve: (req) =>
            answers[req.headers.host ?? '']?.() as ReturnType<OAuthTenantProviders['resolve']>,
        },
      }),
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['throws.test', 'text/html', 500],
    ['bad-issuer.test', 'text/html', 500],
    ['bad-issuer.test', 'application/json', 500],
    ['nothing.test', 'application/json', 404],
  ])('answers %s (%s) with a clean %i page, logging the cause', async (host, accept, status) => {
    const logged = app.logs.length;
    const response = await request(app.url).get('/').set('Host', host).set('Accept', accept);
    expect(response.status).toBe(status);
    expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(response.text).not.toContain('tenant database is down');
    expect(response.text).not.toContain('must be an absolute');
    if (accept === 'application/json') {
      expect(response.body.code).toBe(
        status === 404 ? 'OAUTH_UNKNOWN_TENANT' : 'OAUTH_TENANT_UNAVAILABLE',
      );
    }
    if (status === 500) expect(app.logs.length).toBeGreaterThan(logged);
  });
});

describe('providers per tenant: the resolver option at creation', () => {
  const resolve = () => undefined;
  const create =
    (providers: unknown, extra: Record<string, unknown> = {}) =>
    () =>
      oauthMiddleware({
        baseURL: 'https://app.example.com',
        secret: TEST_SECRET,
        providers,
        ...extra,
      } as never);

  it.each([
    [{ resolve, cacheSize: 0 }, '"options.providers.cacheSize" must be a finite number >= 1'],
    [{ resolve, cacheSize: 2.5 }, '"options.providers.cacheSize" must be a whole number >= 1'],
    [
      { resolve, cachesize: 10 },
      'unknown option "providers.cachesize"; did you mean "providers.cacheSize"?',
    ],
  ])('refuses %o', (providers, message) => {
    expect(create(providers)).toThrow(TypeError);
    expect(create(providers)).toThrow(message);
  });

  it('refuses a top-level defaultProvider beside a resolver', () => {
    expect(create({ resolve }, { defaultProvider: 'idp' })).toThrow(
      /"options.defaultProvider" must be absent with a providers resolver/,
    );
  });

  it('answers no redirect URIs before any tenant is known', () => {
    expect(create({ resolve })().redirectUris).toEqual({});
  });

  it('refuses requireBearer({ middleware }) with a middleware whose providers are resolved per request', () => {
    const middleware = create({ resolve })();
    expect(() => requireBearer({ middleware, audience: 'https://api.example.com' })).toThrow(
      /cannot be a middleware with a providers resolver.*leave out "middleware"/,
    );
  });
});
