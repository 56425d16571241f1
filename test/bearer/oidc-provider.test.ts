// requireBearer() against a certified authorization server: oidc-provider issues access tokens
// for three resource servers (its resourceIndicators feature, RFC 8707), two as RFC 9068 JWTs
// signed by the same key and one opaque (checked by introspection), bound to a DPoP key when the
// client asks. The tokens are
// obtained with openid-client's client credentials grant, as another service would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import {
  allowInsecureRequests,
  clientCredentialsGrant,
  discovery,
  getDPoPHandle,
  randomDPoPKeyPair,
} from 'openid-client';
import type { Configuration as ClientConfiguration } from 'openid-client';
import type { Configuration } from 'oidc-provider';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import { loadOidcProvider, quietly } from '../helpers/oidc-provider/notices.js';
import { serverLifecycle } from '../helpers/oidc-provider/server-lifecycle.js';
import { createDpopKey, dpopProof, expectRefused } from './harness.js';
import { TEST_SECRET } from '../helpers/app.js';

const JWT_API = 'https://orders.api.example.test';
const OPAQUE_API = 'https://billing.api.example.test';
/** A second JWT API: its tokens differ from JWT_API's only by their audience and scopes. */
const SHIPPING_API = 'https://shipping.api.example.test';
const SECRET = 'api-client-secret-0123456789abcdefghijklmnop';

async function startAuthorizationServer() {
  const server = createServer();
  const lifecycle = serverLifecycle(server);
  const port = await lifecycle.listen(0);
  const issuer = `http://127.0.0.1:${port}`;
  const { Provider, errors } = await loadOidcProvider();
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'at-key', alg: 'RS256', use: 'sig' }] },
    clients: [
      // The API's own client at the provider: it introspects.
      {
        client_id: 'resource-server',
        client_secret: SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      // Another service calling the API.
      {
        client_id: 'calling-service',
        client_secret: SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    routes: { introspection: '/introspect' },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource === JWT_API) {
            return {
              scope: 'orders:read orders:write',
              audience: JWT_API,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          if (resource === SHIPPING_API) {
            return {
              scope: 'shipments:read',
              audience: SHIPPING_API,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          if (resource === OPAQUE_API) {
            return { scope: 'invoices:read', audience: OPAQUE_API, accessTokenFormat: 'opaque' };
          }
          throw new errors.InvalidTarget();
        },
      },
    },
  };
  const provider = quietly(() => new Provider(issuer, configuration));
  server.on('request', provider.callback());
  return { issuer, close: lifecycle.stop };
}

describe('requireBearer() against oidc-provider', () => {
  let op: Awaited<ReturnType<typeof startAuthorizationServer>>;
  let app: express.Express;
  let appUrl: string;
  let closeApp: () => Promise<void>;
  let caller: ClientConfiguration;

  beforeAll(async () => {
    op = await startAuthorizationServer();
    app = express();
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeApp = () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    app.use(
      session({
        secret: 'test-session-secret-that-is-long-enough',
        resave: false,
        saveUninitialized: false,
      }),
    );
    app.use(
      oauthMiddleware({
        secret: TEST_SECRET,
        issuer: op.issuer,
        clientId: 'resource-server',
        clientSecret: SECRET,
        baseURL: appUrl,
        scope: 'openid',
      }),
    );
    app.get('/orders', requireBearer({ audience: JWT_API, scopes: 'orders:read' }), (req, res) =>
      res.json({ user: req.oauthUser }),
    );
    app.get(
      '/shipments',
      requireBearer({ audience: SHIPPING_API, scopes: 'shipments:read' }),
      (req, res) => res.json({ user: req.oauthUser }),
    );
    app.get(
      '/invoices',
      requireBearer({ audience: OPAQUE_API, scopes: 'invoices:read' }),
      (req, res) => res.json({ user: req.oauthUser }),
    );
    caller = await discovery(new URL(op.issuer), 'calling-service', SECRET, undefined, {
      execute: [allowInsecureRequests],
    });
  });
  afterAll(async () => {
    await closeApp();
    await op.close();
  });

  const tokenFor = async (
    resource: string,
    scope: string,
    dpop?: Awaited<ReturnType<typeof randomDPoPKeyPair>>,
  ) =>
    (
      await clientCredentialsGrant(
        caller,
        { resource, scope },
        dpop === undefined ? undefined : { DPoP: getDPoPHandle(caller, dpop) },
      )
    ).access_token;

  it('accepts its RFC 9068 JWT access token and sets req.oauthUser', async () => {
    const token = await tokenFor(JWT_API, 'orders:read');
    expect(token.split('.')).toHaveLength(3);
    const response = await request(appUrl)
      .get('/orders')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(response.body.user).toMatchObject({
      sub: 'calling-service',
      claims: { client_id: 'calling-service', aud: JWT_API, scope: 'orders:read' },
    });
  });

  it('accepts its opaque token by introspection with the configured client credentials', async () => {
    const token = await tokenFor(OPAQUE_API, 'invoices:read');
    expect(token.split('.')).toHaveLength(1);
    const response = await request(appUrl)
      .get('/invoices')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(response.body.user).toMatchObject({
      sub: 'calling-service',
      claims: { aud: OPAQUE_API },
    });
  });

  it('refuses a token issued for one resource at another (JWT and opaque)', async () => {
    const jwt = await tokenFor(JWT_API, 'orders:read');
    expectRefused(await request(appUrl).get('/invoices').set('Authorization', `Bearer ${jwt}`), {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
    });
    const opaque = await tokenFor(OPAQUE_API, 'invoices:read');
    expectRefused(await request(appUrl).get('/orders').set('Authorization', `Bearer ${opaque}`), {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
    });
  });

  it('refuses a JWT for one JWT resource server at the other, and accepts it at its own', async () => {
    const orders = await tokenFor(JWT_API, 'orders:read');
    const shipments = await tokenFor(SHIPPING_API, 'shipments:read');
    // Same issuer, same signing key, both valid: only the audience tells them apart.
    expect(decodeProtectedHeader(orders).kid).toBe(decodeProtectedHeader(shipments).kid);
    for (const [token, own, other] of [
      [orders, '/orders', '/shipments'],
      [shipments, '/shipments', '/orders'],
    ] as const) {
      expectRefused(await request(appUrl).get(other).set('Authorization', `Bearer ${token}`), {
        status: 401,
        code: 'OAUTH_INVALID_TOKEN',
        challenge: /^Bearer error="invalid_token"/,
        message: /"aud"/,
      });
      const accepted = await request(appUrl).get(own).set('Authorization', `Bearer ${token}`);
      expect(accepted.status, accepted.text).toBe(200);
    }
  });

  it('refuses a token without the required scope', async () => {
    const token = await tokenFor(JWT_API, 'orders:write');
    expectRefused(await request(appUrl).get('/orders').set('Authorization', `Bearer ${token}`), {
      status: 403,
      code: 'OAUTH_INSUFFICIENT_SCOPE',
      challenge: /scope="orders:read"/,
    });
  });

  it('accepts a DPoP-bound JWT and opaque token with a proof by their key, and refuses another key', async () => {
    const keyPair = await randomDPoPKeyPair('ES256', { extractable: true });
    const key = {
      publicJwk: await exportJWK(keyPair.publicKey),
      privateKey: keyPair.privateKey,
      jkt: '',
    };
    for (const [path, resource, scope] of [
      ['/orders', JWT_API, 'orders:read'],
      ['/invoices', OPAQUE_API, 'invoices:read'],
    ] as const) {
      const token = await tokenFor(resource, scope, keyPair);
      const url = `${appUrl}${path}`;
      const response = await request(appUrl)
        .get(path)
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await dpopProof(key, { url, accessToken: token }));
      expect(response.status, response.text).toBe(200);
      expect(response.body.user.claims.cnf).toMatchObject({ jkt: expect.any(String) });
      const stranger = await createDpopKey();
      expectRefused(
        await request(appUrl)
          .get(path)
          .set('Authorization', `DPoP ${token}`)
          .set('DPoP', await dpopProof(stranger, { url, accessToken: token })),
        { status: 401, code: 'OAUTH_INVALID_DPOP_PROOF' },
      );
      expectRefused(await request(appUrl).get(path).set('Authorization', `Bearer ${token}`), {
        status: 401,
        code: 'OAUTH_INVALID_TOKEN',
      });
    }
  });
});
