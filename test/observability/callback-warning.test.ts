/**
 * Issue 14: the developer's detail of a failed callback (its code, the provider's
 * `error_description`) reached the log only as an event. A callback failure below 500 is now
 * also a warning, with nothing in it that could sign anyone in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
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

/** The warnings logged while `action` runs. */
async function warningsDuring(action: () => Promise<unknown>): Promise<string[]> {
  const before = app.logs.length;
  await action();
  return app.logs.slice(before).filter((line) => line.startsWith('warn: '));
}

describe('a failed callback in the log', () => {
  it("warns with the code and the provider's error_description of a refusal", async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent), { consent: 'deny' });
    const warnings = await warningsDuring(() => agent.get(pathOf(callback)).expect(403));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warn: callback failed with OAUTH_ACCESS_DENIED \(403\): .*; the provider said "access_denied": ".+"$/,
    );
    const state = new URL(callback).searchParams.get('state')!;
    expect(warnings[0]).not.toContain(state);
  });

  it('warns about a forged callback without repeating its state or code', async () => {
    const agent = browser(app.url);
    await startLogin(agent);
    const warnings = await warningsDuring(() =>
      agent.get('/callback?state=forged-state-value&code=forged-code-value').expect(400),
    );
    expect(warnings).toEqual([
      'warn: callback failed with OAUTH_STATE_MISMATCH (400): the callback "state" matches no login started in this browser',
    ]);
  });

  it('quotes a description that holds a line break, so it cannot forge a log line', async () => {
    const agent = browser(app.url);
    const authorization = await startLogin(agent);
    const state = authorization.searchParams.get('state')!;
    const forged = new URLSearchParams({
      state,
      iss: op.issuer,
      error: 'access_denied',
      error_description: 'no\n[express-oauth-rp] a line of its own',
    });
    const warnings = await warningsDuring(() => agent.get(`/callback?${forged}`).expect(403));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toContain('"no\\n[express-oauth-rp] a line of its own"');
  });

  it('logs nothing for a successful login, nor for a reload of its callback', async () => {
    const agent = browser(app.url);
    const callback = pathOf(await completeLogin(await startLogin(agent)));
    const html = 'text/html';
    const warnings = await warningsDuring(async () => {
      await agent.get(callback).set('Accept', html).expect(303);
      await agent.get(callback).set('Accept', html).expect(303);
    });
    expect(warnings).toEqual([]);
  });
});
