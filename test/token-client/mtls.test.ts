// The client credentials grant with mutual TLS (RFC 8705): tls_client_auth and
// self_signed_tls_client_auth against oidc-provider on node's https, with a CA and certificates
// made by the test; the provider binds the tokens to the certificate (cnf.x5t#S256), and
// client.fetch() presents the same certificate to a requireBearer() API over https that checks
// the binding.
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import session from 'express-session';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireBearer } from '../../src/index.js';
import { createTokenClient } from '../../src/token-client/index.js';
import type { OAuthTokenClientOptions } from '../../src/token-client/index.js';
import { TEST_SECRET } from '../helpers/app.js';
import { makeSelfSignedCertificate, makeTestCertificates } from '../helpers/certificates.js';
import type { TestCertificate, TestCertificates } from '../helpers/certificates.js';
import { loadOidcProvider, quietly } from '../helpers/oidc-provider/notices.js';
import { serverLifecycle } from '../helpers/oidc-provider/server-lifecycle.js';
import type { ServerLifecycle } from '../helpers/oidc-provider/server-lifecycle.js';

const API = 'https://orders.api.example.test';

interface Listening {
  server: HttpsServer;
  lifecycle: ServerLifecycle;
  origin: string;
  /** Paths requested, in order. */
  paths: string[];
}

/** An https server on 127.0.0.1 that asks for a client certificate and lets the app decide. */
async function listenHttps(certs: TestCertificates): Promise<Listening> {
  const server = createHttpsServer({
    key: certs.server.key,
    cert: certs.server.cert,
    ca: certs.ca,
    // The provider and the API decide, not the handshake, so an unknown certificate gets an
    // OAuth answer (and a self-signed one reaches self_signed_tls_client_auth).
    requestCert: true,
    rejectUnauthorized: false,
  });
  const paths: string[] = [];
  server.on('request', (req: { url?: string }) => {
    paths.push(new URL(req.url ?? '/', 'https://placeholder').pathname);
  });
  const lifecycle = serverLifecycle(server as never);
  const port = await lifecycle.listen(0);
  return { server, lifecycle, origin: `https://127.0.0.1:${port}`, paths };
}

function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  const raw =
    typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().raw : undefined;
  return raw === undefined || raw.length === 0 ? undefined : new X509Certificate(raw);
}

const machineClient = {
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: 'orders:read',
  tls_client_certificate_bound_access_tokens: true,
  // The provider signs with ES256 only; the RS256 default would make the client invalid.
  id_token_signed_response_alg: 'ES256' as const,
};

/** oidc-provider with mTLS client authentication, bound tokens, and JWT tokens for the API. */
async function startMtlsProvider(listening: Listening, selfSigned: TestCertificate) {
  const { Provider } = await loadOidcProvider();
  const es256 = await generateKeyPair('ES256', { extractable: true });
  const selfSignedJwk = {
    ...new X509Certificate(selfSigned.cert).publicKey.export({ format: 'jwk' }),
    x5c: [new X509Certificate(selfSigned.cert).raw.toString('base64')],
  };
  const configuration: Configuration = {
    jwks: {
      keys: [{ ...(await exportJWK(es256.privateKey)), kid: 'es256', alg: 'ES256', use: 'sig' }],
    },
    clients: [
      {
        ...machineClient,
        client_id: 'reporting',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=reporting',
      },
      {
        ...machineClient,
        client_id: 'reporting-self-signed',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [selfSignedJwk] },
      },
    ],
    clientAuthMethods: ['tls_client_auth', 'self_signed_tls_client_auth'],
    scopes: ['openid', 'orders:read'],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: (ctx) => peerCertificate(ctx) as never,
        certificateAuthorized: (ctx) => (ctx.req.socket as TLSSocket).authorized === true,
        certificateSubjectMatches: (ctx, property, expected) =>
          property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        getResourceServerInfo: () => ({
          scope: 'orders:read',
          audience: API,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  };
  const provider = quietly(() => new Provider(listening.origin, configuration));
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    console.error('[mTLS test provider] server_error:', error);
  });
  listening.server.on('request', provider.callback());
}

/** The API: https, asking for client certificates; tokens checked against the provider's keys. */
function mountApi(listening: Listening, issuer: string): void {
  const resourceServer = express();
  resourceServer.use(
    session({ secret: 'api-session-secret-long-enough', resave: false, saveUninitialized: false }),
  );
  resourceServer.use(
    oauthMiddleware({
      baseURL: listening.origin,
      secret: TEST_SECRET,
      issuer,
      clientId: 'orders-api',
      // The API reaches the provider's JWKS with the same CA; its own certificate is the server's.
      clientCertificate: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca },
      logger: false,
    }),
  );
  resourceServer.get('/orders', requireBearer({ audience: API }), (req, res) => {
    res.json({ client: req.oauthUser?.claims.client_id, cnf: req.oauthUser?.claims.cnf });
  });
  listening.server.on('request', resourceServer);
}

let certs: TestCertificates;
let selfSigned: TestCertificate;
let op: Listening;
let api: Listening;

function clientWith(
  certificate: TestCertificate,
  extra: Partial<Extract<OAuthTokenClientOptions, { grant: 'client_credentials' }>> = {},
) {
  return createTokenClient({
    grant: 'client_credentials',
    tokenEndpoint: `${op.origin}/token`,
    apiBaseURL: api.origin,
    clientId: 'reporting',
    clientCertificate: { cert: certificate.cert, key: certificate.key, ca: certs.ca },
    scope: 'orders:read',
    ...extra,
  });
}

beforeAll(async () => {
  certs = makeTestCertificates(['reporting', 'intruder']);
  selfSigned = makeSelfSignedCertificate('reporting-self-signed');
  op = await listenHttps(certs);
  api = await listenHttps(certs);
  await startMtlsProvider(op, selfSigned);
  mountApi(api, op.origin);
});

afterAll(async () => {
  await Promise.all([op.lifecycle.stop(), api.lifecycle.stop()]);
});

describe('tls_client_auth', () => {
  it('gets a token bound to the certificate and calls the API with it through client.fetch()', async () => {
    // A clientCertificate alone selects tls_client_auth.
    const client = clientWith(certs.clients.reporting as TestCertificate);

    const response = await client.fetch('/orders');

    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({
      client: 'reporting',
      cnf: { 'x5t#S256': certs.clients.reporting?.thumbprint },
    });
    expect(op.paths).toContain('/token');
  });

  it('has the API refuse the bound token when another certificate presents it', async () => {
    const token = await clientWith(certs.clients.reporting as TestCertificate).getAccessToken();
    const intruder = certs.clients.intruder as TestCertificate;

    const response = await undiciFetch(`${api.origin}/orders`, {
      headers: { authorization: `Bearer ${token}` },
      dispatcher: new Agent({ connect: { ca: certs.ca, cert: intruder.cert, key: intruder.key } }),
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('fails with OAUTH_CREDENTIALS_REJECTED, naming the certificate, when the provider does not know it', async () => {
    // Issued by the CA the provider trusts, to a subject other than the one registered.
    const client = clientWith(certs.clients.intruder as TestCertificate, {
      tokenEndpointAuthMethod: 'tls_client_auth',
    });

    await expect(client.fetch('/orders')).rejects.toMatchObject({
      name: 'OAuthError',
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_client',
      message: expect.stringContaining(
        'check "options.clientId" and "options.clientCertificate" against the subject or certificate the provider has registered for the client',
      ),
    });
  });
});

describe('self_signed_tls_client_auth', () => {
  it('gets a token with the registered self-signed certificate, and the API accepts it bound to that certificate', async () => {
    const client = clientWith(selfSigned, {
      clientId: 'reporting-self-signed',
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
    });

    const response = await client.fetch('/orders');

    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({
      client: 'reporting-self-signed',
      cnf: { 'x5t#S256': selfSigned.thumbprint },
    });
  });
});
