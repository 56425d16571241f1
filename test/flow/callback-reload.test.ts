/**
 * Regressions of issue 14: reloading the callback while signed in showed a developer's error (and
 * then sent the user to the home page rather than where the login was going), and a login dropped
 * by the pending-login limit looked like a forged callback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
let op: TestProvider;
let app: TestApp;

beforeAll(async () => {
  op = await startTestProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      maxTransactions: 2,
    }),
  });
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

describe('callback reloaded', () => {
  it('sends a signed-in user who reloads the callback on to where that login was going, changing nothing', async () => {
    const agent = browser(app.url);
    // Signed out at a protected page: the guard starts the login that returns there.
    const guard = await agent.get('/me?tab=keys').set('Accept', HTML).expect(302);
    const callback = pathOf(await completeLogin(await startLogin(agent, guard.headers.location)));
    const first = await agent.get(callback).set('Accept', HTML).expect(303);
    expect(first.headers.location).toBe('/me?tab=keys');
    const session = (await agent.get('/session')).body.id as string;
    const tokenRequests = op.count('/token');

    const reload = await agent.get(callback).set('Accept', HTML).expect(303);
    expect(reload.headers.location).toBe('/me?tab=keys');
    expect(reload.headers['cache-control']).toBe('no-store');
    expect(op.count('/token')).toBe(tokenRequests);
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    expect((await agent.get('/session')).body.id).toBe(session);

    // Another tab's pending login does not change that (the state matches none of them).
    await startLogin(agent);
    const again = await agent.get(callback).set('Accept', HTML).expect(303);
    expect(again.headers.location).toBe('/me?tab=keys');
  });

  it('sends a signed-in user with a state it never completed to the home page', async () => {
    const agent = browser(app.url);
    const callback = pathOf(await completeLogin(await startLogin(agent, '/login?returnTo=/me')));
    await agent.get(callback).set('Accept', HTML).expect(303);

    const forged = await agent.get('/callback?state=forged&code=x').set('Accept', HTML).expect(303);
    expect(forged.headers.location).toBe('/');
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
  });

  it('forgets the completed login at logout: a signed-out reload is refused', async () => {
    const agent = browser(app.url);
    const callback = pathOf(await completeLogin(await startLogin(agent, '/login?returnTo=/me')));
    await agent.get(callback).set('Accept', HTML).expect(303);
    await agent.post('/local-logout').expect(200);

    const page = await agent.get(callback).set('Accept', HTML).expect(400);
    expect(page.text).toContain('OAUTH_NO_TRANSACTION');
  });

  it('still refuses the reload with its code for JSON clients and for signed-out browsers', async () => {
    const agent = browser(app.url);
    const callback = pathOf(await completeLogin(await startLogin(agent)));
    await agent.get(callback).expect(303);
    expect((await agent.get(callback).expect(400)).body.code).toBe('OAUTH_NO_TRANSACTION');

    const stranger = browser(app.url);
    const page = await stranger.get(callback).set('Accept', HTML).expect(400);
    expect(page.text).toContain('OAUTH_NO_TRANSACTION');
  });
});

describe('login dropped by maxTransactions', () => {
  it('says that too many sign-ins were started at once', async () => {
    const agent = browser(app.url);
    const oldest = await startLogin(agent);
    await startLogin(agent);
    await startLogin(agent); // maxTransactions is 2: the oldest is dropped
    const callback = await completeLogin(oldest);
    const page = await agent.get(pathOf(callback)).set('Accept', HTML).expect(400);
    expect(page.text).toContain('Too many sign-ins were started at once');
    expect(page.text).toContain('OAUTH_STATE_MISMATCH');
    const json = await agent.get(pathOf(callback)).expect(400);
    expect(json.body).toMatchObject({
      code: 'OAUTH_STATE_MISMATCH',
      message: expect.stringContaining('maxTransactions'),
    });
  });

  it('still calls an unknown state a mismatch', async () => {
    const agent = browser(app.url);
    await startLogin(agent);
    const page = await agent.get('/callback?state=forged&code=x').set('Accept', HTML).expect(400);
    expect(page.text).not.toContain('Too many sign-ins');
    expect(page.text).toContain('OAUTH_STATE_MISMATCH');
  });
});
