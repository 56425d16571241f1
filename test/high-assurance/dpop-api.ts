/**
 * What the DPoP tests behind a load balancer share: the public URL both app instances answer as,
 * the API they call (requireBearer() on a third server, checking the proof and the binding), the
 * route that calls it through req.oauth.fetch(), and the thumbprint of a session's key.
 */
import type { Express, RequestHandler } from 'express';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { requireBearer } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { TEST_CLIENT } from '../helpers/oidc-provider.js';

/** The load balancer's public URL: the one baseURL of both instances. Nothing listens there. */
export const PUBLIC_URL = 'http://localhost:8080';
/** The API's resource indicator (RFC 8707) and audience. */
export const API = 'https://orders.api.example.test';

const handler =
  (fn: (...args: Parameters<RequestHandler>) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

/** The API: another service, which checks the proof and the token's binding to its key. */
export function startOrdersApi(issuer: string): Promise<TestApp> {
  return startTestApp({
    oauth: () => ({
      issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
    }),
    routes: (express) => {
      express.get(
        '/v1/orders',
        requireBearer({ audience: API, scopes: 'orders:read', dpop: { required: true } }),
        (req, res) => {
          res.json({ sub: req.oauthUser?.sub, cnf: req.oauthUser?.claims.cnf });
        },
      );
    },
  });
}

/** `GET /call-api` on an app instance: the API called through req.oauth.fetch() for `API`. */
export function callApiRoute(api: () => TestApp): (express: Express) => void {
  return (express) => {
    express.get(
      '/call-api',
      handler(async (req, res) => {
        const answer = await req.oauth.fetch(`${api().url}/v1/orders`, { resource: API });
        res.status(answer.status).json(await answer.json());
      }),
    );
  };
}

/** The RFC 7638 thumbprint of a key's public part, as `cnf.jkt` names it. */
export async function thumbprint(jwk: JWK): Promise<string> {
  const { kty, crv, x, y } = jwk;
  return calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
}
