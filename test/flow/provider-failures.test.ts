import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, clientOf, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;
let app: TestApp;

beforeAll(async () => {
  provider = await startScriptedProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    }),
  });
});

afterAll(async () => {
  await app.close();
  await provider.close();
});

beforeEach(() => {
  provider.reset();
});

/** Starts a login and plays the provider, returning the agent and the callback path. */
async function pendingCallback(): Promise<{ agent: Agent; callback: string }> {
  const agent = browser(app.url);
  const callback = await authorize(provider, await startLogin(agent));
  return { agent, callback: pathOf(callback) };
}

async function expectRefused(status: number, code: string): Promise<void> {
  const { agent, callback } = await pendingCallback();
  const response = await agent.get(callback);
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(JSON.stringify(response.body)).not.toMatch(/at .+:\d+:\d+/);
  expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
}

describe('provider failures at the token endpoint', () => {
  it('signs in against the scripted provider when nothing is scripted (control)', async () => {
    const { agent, callback } = await pendingCallback();
    await agent.get(callback).expect(303);
    await agent.get('/me').expect(200);
  });

  it('answers 504 when the token endpoint does not answer within the timeout', async () => {
    await withTestApp(
      { oauth: () => ({ ...clientOf(provider), timeout: 300 }) },
      async (impatient) => {
        provider.script.token = { hang: true };
        const agent = browser(impatient.url);
        const callback = await authorize(provider, await startLogin(agent));
        const response = await agent.get(pathOf(callback));
        expect({ status: response.status, code: response.body.code }).toEqual({
          status: 504,
          code: 'OAUTH_PROVIDER_TIMEOUT',
        });
      },
    );
  });

  it('answers 503 when the token endpoint answers 500', async () => {
    provider.script.token = { status: 500, body: { error: 'server_error' } };
    await expectRefused(503, 'OAUTH_PROVIDER_UNAVAILABLE');
  });

  it('answers 503 when the token endpoint answers a 500 HTML page', async () => {
    provider.script.token = {
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: '<h1>oops</h1>',
    };
    await expectRefused(503, 'OAUTH_PROVIDER_UNAVAILABLE');
  });

  it('answers 502 when the token endpoint answers 200 with HTML', async () => {
    provider.script.token = {
      headers: { 'content-type': 'text/html' },
      body: '<html>login</html>',
    };
    await expectRefused(502, 'OAUTH_INVALID_RESPONSE');
  });

  it('answers 503 when the provider went down between login and callback', async () => {
    const { agent, callback } = await pendingCallback();
    await provider.stop();
    try {
      const response = await agent.get(callback).set('Accept', 'text/html');
      expect(response.status).toBe(503);
      expect(response.text).toContain('OAUTH_PROVIDER_UNAVAILABLE');
      expect(response.text).toContain('unavailable');
    } finally {
      await provider.start();
    }
  });

  it('keeps invalid_grant with the provider error on the error', async () => {
    provider.script.token = {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'code expired' },
    };
    const { agent, callback } = await pendingCallback();
    const response = await agent.get(callback).expect(400);
    expect(response.body).toMatchObject({
      code: 'OAUTH_INVALID_GRANT',
      error: 'invalid_grant',
      error_description: 'code expired',
    });
  });
});

describe('ID token checks', () => {
  it('refuses an ID token signed with a key that is not in the JWKS', async () => {
    provider.script.token = { idToken: { key: 'foreign' } };
    await expectRefused(502, 'OAUTH_ID_TOKEN_INVALID');
  });

  it('accepts that same token only when the signature check is turned off, proving the check is what refuses it', async () => {
    await withTestApp(
      { oauth: () => ({ ...clientOf(provider), verifyIdTokenSignature: false }) },
      async (lax) => {
        provider.script.token = { idToken: { key: 'foreign' } };
        const agent = browser(lax.url);
        const callback = await authorize(provider, await startLogin(agent));
        await agent.get(pathOf(callback)).expect(303);
      },
    );
  });

  it('refuses an ID token issued in the future', async () => {
    provider.script.token = { idToken: { claims: { iat: Math.floor(Date.now() / 1000) + 3600 } } };
    await expectRefused(502, 'OAUTH_ID_TOKEN_INVALID');
  });

  it('refuses an ID token issued long before the login', async () => {
    const now = Math.floor(Date.now() / 1000);
    provider.script.token = { idToken: { claims: { iat: now - 1800, exp: now + 600 } } };
    await expectRefused(502, 'OAUTH_ID_TOKEN_INVALID');
  });

  it('refuses an ID token with another nonce', async () => {
    provider.script.token = { idToken: { claims: { nonce: 'replayed-nonce' } } };
    await expectRefused(502, 'OAUTH_ID_TOKEN_INVALID');
  });

  it('refuses a token response without an ID token when openid was asked for', async () => {
    provider.script.token = { set: { id_token: undefined } };
    const { agent, callback } = await pendingCallback();
    const response = await agent.get(callback);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(['OAUTH_ID_TOKEN_INVALID', 'OAUTH_INVALID_RESPONSE']).toContain(response.body.code);
  });

  it('refuses an authorization response whose iss names another issuer (RFC 9207)', async () => {
    provider.script.authorize = { set: { iss: 'https://evil.example' } };
    await expectRefused(400, 'OAUTH_ISSUER_MISMATCH');
  });

  it('refuses an authorization response without iss when the provider advertises it', async () => {
    provider.script.authorize = { set: { iss: undefined } };
    await expectRefused(400, 'OAUTH_ISSUER_MISMATCH');
  });
});

describe('discovery', () => {
  it('answers 503 with a clear page while the provider is down, and recovers when it is back', async () => {
    const { agent } = { agent: browser(app.url) };
    await withTestApp({ oauth: () => clientOf(provider) }, async (fresh) => {
      await provider.stop();
      const down = await browser(fresh.url).get('/login').set('Accept', 'text/html').expect(503);
      expect(down.text).toContain('The sign-in provider is unavailable');
      expect(down.text).toContain('OAUTH_PROVIDER_UNAVAILABLE');
      expect(down.text).not.toMatch(/at .+:\d+:\d+/);
      await provider.start();
      await browser(fresh.url).get('/login').expect(303);
      await agent.get('/').expect(200);
    });
  });

  it('answers 503 when discovery answers 500, then recovers without a restart', async () => {
    await withTestApp({ oauth: () => clientOf(provider) }, async (fresh) => {
      provider.script.discovery = { status: 500, body: 'down', times: 1 };
      expect((await browser(fresh.url).get('/login').expect(503)).body.code).toBe(
        'OAUTH_PROVIDER_UNAVAILABLE',
      );
      await browser(fresh.url).get('/login').expect(303);
    });
  });

  it('answers 504 when discovery hangs past the timeout', async () => {
    await withTestApp({ oauth: () => ({ ...clientOf(provider), timeout: 300 }) }, async (fresh) => {
      provider.script.discovery = { hang: true, times: 1 };
      expect((await browser(fresh.url).get('/login').expect(504)).body.code).toBe(
        'OAUTH_PROVIDER_TIMEOUT',
      );
    });
  });

  it('refuses metadata that names another issuer', async () => {
    await withTestApp({ oauth: () => clientOf(provider) }, async (fresh) => {
      provider.script.discovery = { set: { issuer: 'https://evil.example' } };
      expect((await browser(fresh.url).get('/login')).body.code).toBe('OAUTH_ISSUER_MISMATCH');
    });
  });
});
