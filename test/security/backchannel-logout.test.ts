import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import {
  CookieJar,
  completeLogout,
  startTestProvider,
  TEST_CLIENT,
} from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { JsonObject, ScriptedProvider, SigningKey } from '../helpers/scripted-provider.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe('back-channel logout from oidc-provider', () => {
  let op: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    op = await startTestProvider({ backchannelLogout: true });
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        routes: { backchannelLogout: '/backchannel-logout' },
      }),
    });
    await op.setClient({
      ...TEST_CLIENT,
      redirect_uris: [`${app.url}/callback`],
      post_logout_redirect_uris: [`${app.url}/`],
      backchannel_logout_uri: `${app.url}/backchannel-logout`,
      backchannel_logout_session_required: true,
    });
  });

  afterAll(async () => {
    await app.close();
    await op.close();
  });

  it('ends the app session of the provider session that logged out, and only that one', async () => {
    const laptop = browser(app.url);
    const laptopJar = new CookieJar();
    await loginThroughProvider(laptop, { jar: laptopJar });
    const phone = browser(app.url);
    await loginThroughProvider(phone, { jar: new CookieJar() });
    await laptop.get('/me').expect(200);
    await phone.get('/me').expect(200);
    // The user signs out at the provider itself (not through the app): the provider calls back.
    await completeLogout(new URL(`${op.issuer}/session/end`), { jar: laptopJar });
    expect((await laptop.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
    await phone.get('/me').expect(200);
  });
});

describe('logout tokens', () => {
  let provider: ScriptedProvider;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startScriptedProvider();
    app = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        routes: { backchannelLogout: '/backchannel-logout' },
      }),
    });
  });

  afterAll(async () => {
    await app.close();
    await provider.close();
  });

  async function signedIn(subject = 'alice'): Promise<Agent> {
    provider.subject = subject;
    const agent = browser(app.url);
    await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
    await agent.get('/me').expect(200);
    return agent;
  }

  function honestClaims(overrides: JsonObject = {}): JsonObject {
    return {
      iss: provider.issuer,
      aud: provider.clientId,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      events: { [EVENT]: {} },
      sub: 'alice',
      ...overrides,
    };
  }

  async function logoutToken(claims: JsonObject, key?: SigningKey): Promise<string> {
    return provider.sign(claims, key === undefined ? undefined : { key });
  }

  function post(token: string | undefined): request.Test {
    const call = request(app.url).post('/backchannel-logout').type('form');
    return token === undefined ? call.send('') : call.send({ logout_token: token });
  }

  it('ends every session of the user named by sub, whatever browser holds it', async () => {
    const first = await signedIn();
    const second = await signedIn();
    const bob = await signedIn('bob');
    const revocations = provider.count('/revoke');
    const response = await post(await logoutToken(honestClaims())).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    await first.get('/me').expect(401);
    await second.get('/me').expect(401);
    await bob.get('/me').expect(200);
    // Each ended session's refresh token, then its access token (RFC 7009).
    expect(provider.count('/revoke') - revocations).toBe(4);
  });

  it('refuses a replayed logout token', async () => {
    const token = await logoutToken(honestClaims({ sub: 'carol' }));
    await post(token).expect(200);
    const carol = await signedIn('carol');
    const replay = await post(token).expect(400);
    expect(replay.body).toMatchObject({
      error: 'invalid_request',
      code: 'OAUTH_LOGOUT_TOKEN_INVALID',
    });
    await carol.get('/me').expect(200);
  });

  it('leaves alone a session signed in after the logout token was issued', async () => {
    const token = await logoutToken(
      honestClaims({ sub: 'dave', iat: Math.floor(Date.now() / 1000) - 120 }),
    );
    const dave = await signedIn('dave');
    await post(token).expect(200);
    await dave.get('/me').expect(200);
  });

  const forgeries: [string, () => Promise<string>][] = [
    ['signed with a key not in the JWKS', () => logoutToken(honestClaims(), 'foreign')],
    ['unsigned (alg none)', () => logoutToken(honestClaims(), 'none')],
    ['HS256 with the client secret', () => logoutToken(honestClaims(), 'hs256')],
    ['from another issuer', () => logoutToken(honestClaims({ iss: 'https://evil.example' }))],
    ['for another client', () => logoutToken(honestClaims({ aud: 'other-client' }))],
    [
      'without events',
      () => logoutToken(honestClaims({ events: undefined } as unknown as JsonObject)),
    ],
    [
      'with the wrong event',
      () => logoutToken(honestClaims({ events: { 'https://example/other': {} } })),
    ],
    ['with a nonce (an ID token)', () => logoutToken(honestClaims({ nonce: 'n' }))],
    [
      'naming neither sub nor sid',
      () => logoutToken(honestClaims({ sub: undefined } as unknown as JsonObject)),
    ],
    ['without jti', () => logoutToken(honestClaims({ jti: undefined } as unknown as JsonObject))],
    [
      'issued ten minutes ago',
      () => logoutToken(honestClaims({ iat: Math.floor(Date.now() / 1000) - 600 })),
    ],
    [
      'issued in the future',
      () => logoutToken(honestClaims({ iat: Math.floor(Date.now() / 1000) + 600 })),
    ],
    ['expired', () => logoutToken(honestClaims({ exp: Math.floor(Date.now() / 1000) - 120 }))],
    ['not a JWT', () => Promise.resolve('not-a-jwt')],
  ];

  it.each(forgeries)(
    'refuses a logout token %s with 400 and ends nothing',
    async (_name, forge) => {
      const alice = await signedIn();
      const response = await post(await forge()).expect(400);
      expect(response.body).toMatchObject({
        error: 'invalid_request',
        code: 'OAUTH_LOGOUT_TOKEN_INVALID',
      });
      await alice.get('/me').expect(200);
    },
  );

  it('refuses a request without a logout token', async () => {
    expect((await post(undefined).expect(400)).body.code).toBe('OAUTH_LOGOUT_TOKEN_INVALID');
  });

  it('accepts only POST', async () => {
    const response = await request(app.url).get('/backchannel-logout').expect(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('refuses an oversized body without reading it all', async () => {
    const response = await request(app.url)
      .post('/backchannel-logout')
      .type('form')
      .send({ logout_token: 'x'.repeat(100_000) });
    expect(response.status).toBe(400);
  });
});
