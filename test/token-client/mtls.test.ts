// The client credentials grant with mutual TLS (RFC 8705): tls_client_auth and
// self_signed_tls_client_auth against oidc-provider on node's https, with a CA and certificates
// made by the test; the provider binds the tokens to the certificate (cnf.x5t#S256), and
// client.fetch() presents the same certificate to a requireBearer() API over https that checks
// the binding.
import { X509Certificate } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/token-client/index.js';
import type { OAuthTokenClientOptions } from '../../src/token-client/index.js';
import { makeSelfSignedCertificate, makeTestCertificates } from '../helpers/certificates.js';
import type { TestCertificate, TestCertificates } from '../helpers/certificates.js';
import { listenHttps, mountBearerApi, mtlsFeature } from '../helpers/mtls.js';
import type { HttpsListening } from '../helpers/mtls.js';
import { loadOidcProvider, quietly } from '../helpers/oidc-provider/notices.js';

const API = 'https://orders.api.example.test';

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
async function startMtlsProvider(listening: HttpsListening, selfSigned: TestCertificate) {
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
      mTLS: mtlsFeature({ selfSigned: true }),
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

let certs: TestCertificates;
let selfSigned: TestCertificate;
let op: HttpsListening;
let api: HttpsListening;

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
  mountBearerApi(api, {
    issuer: op.origin,
    certs,
    audience: API,
    answer: (user) => ({ client: user?.claims.client_id, cnf: user?.claims.cnf }),
  });
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
