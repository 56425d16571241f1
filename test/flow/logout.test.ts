import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import { completeLogout, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

let op: TestProvider;
let app: TestApp;

beforeAll(async () => {
  op = await startTestProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      postLogoutRedirect: '/signed-out',
    }),
  });
  await op.setClient({
    ...TEST_CLIENT,
    redirect_uris: [`${app.url}/callback`],
    post_logout_redirect_uris: [`${app.url}/signed-out`],
  });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

describe('logout', () => {
  it("ends the local session and redirects to the provider's end-session endpoint", async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    const session = (await agent.get('/session')).body.oauth as { tokens: { idToken: string } };
    const response = await agent.post('/logout').set('Origin', app.url).expect(303);
    const endSession = new URL(response.headers.location as string);
    expect(endSession.origin).toBe(op.issuer);
    expect(endSession.searchParams.get('id_token_hint')).toBe(session.tokens.idToken);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/signed-out`);
    expect(response.headers['cache-control']).toBe('no-store');
    await agent.get('/me').expect(401);
    // The provider accepts the request and sends the browser back to the configured URL.
    const back = await completeLogout(endSession);
    expect(back.href).toMatch(new RegExp(`^${app.url}/signed-out`));
  });
});

describe('logout without an end-session endpoint', () => {
  it('ends the local session and goes to the configured post-logout URL', async () => {
    const provider = await startScriptedProvider();
    provider.script.discovery = { set: { end_session_endpoint: undefined } };
    const local = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
      }),
    });
    try {
      const agent = browser(local.url);
      const callback = await authorize(provider, await startLogin(agent));
      await agent.get(pathOf(callback)).expect(303);
      await agent.get('/me').expect(200);
      const response = await agent.post('/logout').set('Origin', local.url).expect(303);
      expect(response.headers.location).toBe(`${local.url}/`);
      await agent.get('/me').expect(401);
    } finally {
      await local.close();
      await provider.close();
    }
  });
});
