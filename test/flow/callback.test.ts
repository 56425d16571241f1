import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
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
    }),
  });
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

describe('callback', () => {
  it('refuses a replay even when the first attempt failed', async () => {
    const agent = browser(app.url);
    const authorizationUrl = await startLogin(agent);
    await startLogin(agent); // another tab keeps a transaction pending
    const callback = await completeLogin(authorizationUrl);
    const tampered = new URL(callback);
    tampered.searchParams.set('code', 'not-the-code');
    expect((await agent.get(pathOf(tampered)).expect(400)).body.code).toBe('OAUTH_INVALID_GRANT');
    expect((await agent.get(pathOf(callback)).expect(400)).body.code).toBe('OAUTH_STATE_MISMATCH');
  });

  it('shows a clean 403 page for access_denied and leaves an existing session untouched', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    const sessionBefore = (await agent.get('/session')).body.id as string;
    const callback = await completeLogin(await startLogin(agent), {
      consent: 'deny',
      jar: undefined,
    });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const page = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(403);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('OAUTH_ACCESS_DENIED');
    expect(page.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    expect((await agent.get('/session')).body.id).toBe(sessionBefore);
  });

  it('answers access_denied as JSON to clients that ask for JSON', async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent), { consent: 'deny' });
    const response = await agent
      .get(pathOf(callback))
      .set('Accept', 'application/json')
      .expect(403);
    expect(response.body).toMatchObject({ code: 'OAUTH_ACCESS_DENIED', error: 'access_denied' });
    expect(response.body.stack).toBeUndefined();
  });

  it('keeps at most five pending logins per browser, dropping the oldest, and stores none', async () => {
    const agent = browser(app.url);
    const first = await startLogin(agent);
    for (let i = 0; i < 5; i++) await startLogin(agent);
    // Nothing in the session: the pending logins are cookies, scoped to the callback path.
    expect((await agent.get('/session')).body.oauth).toBeNull();
    const response = await agent.get(pathOf(await completeLogin(first))).expect(400);
    expect(response.body.code).toBe('OAUTH_STATE_MISMATCH');
  });
});
