// Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101), against an
// oidc-provider that requires PAR and accepts request objects: the browser carries only
// client_id and request_uri, and the parameters travel signed.
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import {
  completeLogin,
  CookieJar,
  startTestProvider,
  TEST_CLIENT,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  format: 'pem',
  type: 'pkcs8',
}) as string;

let op: TestProvider;
let parApp: TestApp;
let jarApp: TestApp;

beforeAll(async () => {
  op = await startTestProvider({ requirePushedAuthorizationRequests: true, requestObjects: true });
  parApp = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
    }),
  });
  jarApp = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: 'jar-client',
      clientPrivateKey: { key, alg: 'PS256', kid: 'jar-key' },
      requestObjects: true,
      authorizationParams: { ui_locales: 'fr' },
    }),
  });
  await op.setClient({
    ...TEST_CLIENT,
    redirect_uris: [`${parApp.url}/callback`],
    post_logout_redirect_uris: [`${parApp.url}/`],
  });
  await op.setClient({
    client_id: 'jar-client',
    redirect_uris: [`${jarApp.url}/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'PS256',
    request_object_signing_alg: 'PS256',
    jwks_uri: `${jarApp.url}/jwks.json`,
  });
});

afterAll(async () => {
  await parApp.close();
  await jarApp.close();
  await op.close();
});

describe('pushed authorization requests', () => {
  it('are used when the metadata requires them: the browser carries only client_id and request_uri', async () => {
    const agent = browser(parApp.url);
    const authorization = await startLogin(agent);
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(authorization.searchParams.get('request_uri')).toMatch(
      /^urn:ietf:params:oauth:request_uri:/,
    );
    const callback = await completeLogin(authorization, { jar: new CookieJar() });
    await agent.get(pathOf(callback)).expect(303);
    await agent.get('/me').expect(200);
  });

  it('are refused with a clear error when forced on a provider that has no PAR endpoint', async () => {
    const scripted = await startScriptedProvider();
    try {
      await withTestApp(
        {
          oauth: () => ({
            issuer: scripted.issuer,
            clientId: scripted.clientId,
            clientSecret: scripted.clientSecret,
            pushedAuthorizationRequests: true,
          }),
        },
        async (app) => {
          const response = await browser(app.url).get('/login').expect(502);
          expect(response.body.code).toBe('OAUTH_INVALID_RESPONSE');
          expect(response.body.message).toContain('pushed_authorization_request_endpoint');
        },
      );
    } finally {
      await scripted.close();
    }
  });
});

describe('signed request objects inside pushed requests', () => {
  it('carry every parameter, signed with the client key, and sign the user in', async () => {
    const agent = browser(jarApp.url);
    const authorization = await startLogin(agent);
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const pushed = op.requests.findLast((r) => r.path === '/request');
    expect(pushed?.method).toBe('POST');
    const callback = await completeLogin(authorization, { jar: new CookieJar() });
    await agent.get(pathOf(callback)).expect(303);
    await agent.get('/me').expect(200);
  });
});

describe('signed request objects by value', () => {
  it('put the parameters in a PS256 request object the provider accepts', async () => {
    const byValue = await startTestProvider({ requestObjects: true });
    try {
      await withTestApp(
        {
          oauth: () => ({
            issuer: byValue.issuer,
            clientId: 'jar-client',
            clientPrivateKey: { key, alg: 'PS256', kid: 'jar-key' },
            requestObjects: true,
            authorizationParams: { ui_locales: 'fr' },
          }),
        },
        async (app) => {
          await byValue.setClient({
            client_id: 'jar-client',
            redirect_uris: [`${app.url}/callback`],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'PS256',
            request_object_signing_alg: 'PS256',
            jwks_uri: `${app.url}/jwks.json`,
          });
          const agent = browser(app.url);
          const authorization = await startLogin(agent);
          const requestObject = authorization.searchParams.get('request') as string;
          expect(decodeProtectedHeader(requestObject)).toMatchObject({
            alg: 'PS256',
            kid: 'jar-key',
          });
          const claims = decodeJwt(requestObject);
          expect(claims).toMatchObject({
            client_id: 'jar-client',
            ui_locales: 'fr',
            code_challenge_method: 'S256',
            response_type: 'code',
          });
          expect(authorization.searchParams.get('ui_locales')).toBeNull();
          const callback = await completeLogin(authorization, { jar: new CookieJar() });
          await agent.get(pathOf(callback)).expect(303);
          await agent.get('/me').expect(200);
        },
      );
    } finally {
      await byValue.close();
    }
  });
});
