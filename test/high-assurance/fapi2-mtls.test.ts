// The whole FAPI 2.0 sign-in with mutual TLS (RFC 8705) against oidc-provider's FAPI 2.0 profile:
// tls_client_auth, pushed authorization requests (required), PKCE, certificate-bound access
// tokens; the provider on node's https with a CA and certificates made by the test, its mTLS
// endpoint aliases on a second server that asks for client certificates. Then req.oauth.fetch()
// calls a requireBearer() API over https that checks the token's cnf.x5t#S256 against the
// certificate on the connection.
import type express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError, subscribeOAuthEvents } from '../../src/index.js';
import type { OAuthProviderRequestEvent } from '../../src/index.js';
import { makeSelfSignedCertificate, makeTestCertificates } from '../helpers/certificates.js';
import type { TestCertificate, TestCertificates } from '../helpers/certificates.js';
import { listenHttps, mountBearerApi, mtlsFeature } from '../helpers/mtls.js';
import type { HttpsListening } from '../helpers/mtls.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, startLogin } from '../helpers/login.js';
import { CookieJar, TEST_ACCOUNTS } from '../helpers/oidc-provider.js';
import { loadOidcProvider, quietly } from '../helpers/oidc-provider/notices.js';

const API = 'https://orders.api.example.test';

/** oidc-provider with its FAPI 2.0 profile, the browser-facing server and the mTLS aliases. */
async function startFapiProvider(
  certs: TestCertificates,
  main: HttpsListening,
  mtls: HttpsListening,
  redirectUri: string,
  rs256RedirectUri: string,
) {
  const { Provider } = await loadOidcProvider();
  const es256 = await generateKeyPair('ES256', { extractable: true });
  const rs256 = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: {
      keys: [
        { ...(await exportJWK(es256.privateKey)), kid: 'es256', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rs256.privateKey)), kid: 'rs256', alg: 'RS256', use: 'sig' },
      ],
    },
    clients: [
      {
        client_id: 'broker',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=broker',
        tls_client_certificate_bound_access_tokens: true,
        id_token_signed_response_alg: 'ES256',
      },
      // The same certificate, but ID tokens signed with RS256, which the profile does not allow.
      {
        client_id: 'broker-rs256',
        redirect_uris: [rs256RedirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=broker',
        tls_client_certificate_bound_access_tokens: true,
        id_token_signed_response_alg: 'RS256',
      },
    ],
    clientAuthMethods: ['tls_client_auth', 'private_key_jwt'],
    findAccount: (_ctx, sub) => {
      const claims = (TEST_ACCOUNTS as Record<string, Record<string, unknown>>)[sub];
      return claims === undefined
        ? undefined
        : { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    pkce: { required: () => true },
    issueRefreshToken: () => true,
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: `${mtls.origin}/token`,
        pushed_authorization_request_endpoint: `${mtls.origin}/request`,
        revocation_endpoint: `${mtls.origin}/token/revocation`,
        introspection_endpoint: `${mtls.origin}/token/introspection`,
        userinfo_endpoint: `${mtls.origin}/me`,
      },
    },
    features: {
      devInteractions: { enabled: true },
      fapi: { enabled: true, profile: '2.0' },
      mTLS: mtlsFeature(),
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'orders:read',
          audience: API,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  };
  const provider = quietly(() => new Provider(main.origin, configuration));
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    console.error('[FAPI test provider] server_error:', error);
  });
  const callback = provider.callback();
  main.server.on('request', callback);
  mtls.server.on('request', callback);
  return provider;
}

let certs: TestCertificates;
let main: HttpsListening;
let mtls: HttpsListening;
let api: HttpsListening;
let app: TestApp;
let intruderApp: TestApp;
let rs256App: TestApp;
let browserFetch: typeof fetch;

function fapiOptions(issuer: string, certificate: TestCertificate) {
  return {
    issuer,
    clientId: 'broker',
    profile: 'fapi2' as const,
    tokenEndpointAuthMethod: 'tls_client_auth' as const,
    clientCertificate: { cert: certificate.cert, key: certificate.key, ca: certs.ca },
    scope: 'openid email orders:read',
  };
}

beforeAll(async () => {
  certs = makeTestCertificates(['broker', 'intruder']);
  main = await listenHttps(certs, false);
  mtls = await listenHttps(certs, true);
  api = await listenHttps(certs, true);
  const agent = new Agent({ connect: { ca: certs.ca } });
  browserFetch = (async (url: string | URL | Request, init?: RequestInit) =>
    (await undiciFetch(
      url as string,
      {
        ...init,
        dispatcher: agent,
      } as Parameters<typeof undiciFetch>[1],
    )) as unknown as Response) as typeof fetch;
  const ordersRoute = (target: express.Express) => {
    target.get('/orders', (req, res, next) => {
      req.oauth
        .fetch(`${api.origin}/orders`)
        .then(async (response) => res.status(response.status).json(await response.json()))
        .catch(next);
    });
  };
  app = await startTestApp({
    oauth: () => fapiOptions(main.origin, certs.clients.broker as TestCertificate),
    routes: ordersRoute,
  });
  // Claims to be the broker with a certificate the CA issued to someone else.
  intruderApp = await startTestApp({
    oauth: () => fapiOptions(main.origin, certs.clients.intruder as TestCertificate),
  });
  rs256App = await startTestApp({
    oauth: () => ({
      ...fapiOptions(main.origin, certs.clients.broker as TestCertificate),
      clientId: 'broker-rs256',
    }),
  });
  await startFapiProvider(certs, main, mtls, `${app.url}/callback`, `${rs256App.url}/callback`);
  mountBearerApi(api, {
    issuer: main.origin,
    certs,
    audience: API,
    answer: (user) => ({ sub: user?.sub, cnf: user?.claims.cnf }),
  });
});

afterAll(async () => {
  await app.close();
  await intruderApp.close();
  await rs256App.close();
  await Promise.all([main.lifecycle.stop(), mtls.lifecycle.stop(), api.lifecycle.stop()]);
});

describe("profile: 'fapi2' with tls_client_auth against oidc-provider's FAPI 2.0 profile", () => {
  it('signs in with the certificate, through the mTLS endpoint aliases, and calls the API with a certificate-bound token', async () => {
    const requests: OAuthProviderRequestEvent[] = [];
    const stop = subscribeOAuthEvents((event, payload) => {
      if (event === 'providerRequest') requests.push(payload as OAuthProviderRequestEvent);
    });
    const agent = browser(app.url);
    const callback = await loginThroughProvider(agent, {
      jar: new CookieJar(),
      fetch: browserFetch,
    }).finally(stop);
    expect(callback.status, callback.text).toBe(303);
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    // Events and health() know the aliases for what they are.
    const ours = requests.filter((request) => request.url.startsWith(mtls.origin));
    expect(
      ours.map((request) => [request.url.slice(mtls.origin.length), request.endpoint]),
    ).toEqual(
      expect.arrayContaining([
        ['/request', 'par'],
        ['/token', 'token'],
      ]),
    );
    // PAR and the token request went to the aliases, never to the browser-facing server.
    expect(mtls.paths).toEqual(expect.arrayContaining(['/request', '/token']));
    expect(main.paths).not.toContain('/token');
    expect(main.paths).not.toContain('/request');

    const orders = await agent.get('/orders');
    expect(orders.status, orders.text).toBe(200);
    expect(orders.body).toEqual({
      sub: 'alice',
      cnf: { 'x5t#S256': certs.clients.broker?.thumbprint },
    });
  });

  it('refuses a bound token sent with another certificate (the API checks the binding)', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent, { jar: new CookieJar(), fetch: browserFetch });
    const token = (await agent.get('/session').expect(200)).body.oauth;
    const accessToken = JSON.stringify(token).match(/"accessToken":"([^"]+)"/)?.[1];
    expect(accessToken).toBeDefined();
    const intruder = certs.clients.intruder as TestCertificate;
    const response = await undiciFetch(`${api.origin}/orders`, {
      headers: { authorization: `Bearer ${accessToken}` },
      dispatcher: new Agent({ connect: { ca: certs.ca, cert: intruder.cert, key: intruder.key } }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('revokes through the revocation alias at logout, authenticated by the certificate', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent, { jar: new CookieJar(), fetch: browserFetch });
    mtls.paths.length = 0;
    main.paths.length = 0;
    await agent.post('/logout').set('Origin', app.url).expect(303);
    // The refresh token, then the access token, each at the alias and never at the other server.
    expect(mtls.paths.filter((path) => path === '/token/revocation')).toHaveLength(2);
    expect(main.paths).not.toContain('/token/revocation');
    const logs = app.logs.join('\n');
    expect(logs).not.toContain('invalid_client');
    // oidc-provider revokes no JWT access token (RFC 7009 §2.2.1 unsupported_token_type): the
    // refresh token it did revoke was authenticated by the certificate.
    expect(logs).toContain('unsupported_token_type');
  });

  it('answers a clean typed error when the provider refuses the client certificate', async () => {
    const response = await browser(intruderApp.url).get('/login');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(600);
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
    expect(intruderApp.logs.join('\n')).toContain(
      'refused the client "broker" (tokenEndpointAuthMethod "tls_client_auth"): check clientId, clientCertificate',
    );
  });

  it('gives req.oauth a typed error, not a 500, when the certificate is not one the provider trusts', async () => {
    const stranger = makeSelfSignedCertificate('broker');
    const strangerApp = await startTestApp({
      oauth: () => fapiOptions(main.origin, stranger),
      routes: (target) => {
        target.get('/start', (req, _res, next) => {
          req.oauth.login().catch((error: unknown) => {
            next(error instanceof OAuthError ? error : new Error('untyped'));
          });
        });
      },
    });
    try {
      const response = await browser(strangerApp.url).get('/start');
      expect(response.body.code).toBe('OAUTH_CLIENT_REJECTED');
    } finally {
      await strangerApp.close();
    }
  });

  it('refuses an ID token signed with RS256, and writes no session', async () => {
    const agent = browser(rs256App.url);
    const callback = await loginThroughProvider(agent, {
      jar: new CookieJar(),
      fetch: browserFetch,
    });
    expect(callback.status).toBe(502);
    expect(callback.text).toContain('OAUTH_ID_TOKEN_INVALID');
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
  });

  it('sends the browser to the provider with only client_id and request_uri', async () => {
    const url = await startLogin(browser(app.url));
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  });
});
