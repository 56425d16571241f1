// Regression: with the default refreshLeeway of 30 s, a provider whose tokens live less than 30 s
// signed the user out right after every login when it gave no refresh token (a login loop), and
// with a refresh token every request refreshed. The leeway is now capped at half the token's
// lifetime, and without a refresh token the user stays signed in until the real expiry.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;
let app: TestApp;

beforeAll(async () => {
  provider = await startScriptedProvider();
  // The default refreshLeeway (30 s), longer than every token below lives.
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

beforeEach(() => provider.reset());

afterEach(() => {
  vi.useRealTimers();
});

/** Moves Date (only Date) forward for the app and the in-process provider; I/O runs for real. */
function advanceClock(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
}

async function signInWith(lifetime: number, refreshToken: boolean) {
  provider.script.token = {
    set: { expires_in: lifetime, ...(refreshToken ? {} : { refresh_token: undefined }) },
  };
  const agent = browser(app.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  provider.script.token = undefined;
  return agent;
}

describe.each([3, 20])('tokens that live %i s (shorter than the 30 s leeway)', (lifetime) => {
  it('keeps a user without refresh token signed in until the real expiry, then asks to log in', async () => {
    const agent = await signInWith(lifetime, false);
    for (let i = 0; i < 5; i++) await agent.get('/me').expect(200);
    advanceClock(lifetime * 1000 - 500);
    await agent.get('/me').expect(200);
    expect((await agent.get('/').expect(200)).body.signedIn).toBe(true);
    advanceClock(1000);
    expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
    expect(provider.count('/token')).toBe(1);
  });

  it('does not refresh on every request, only past half the lifetime, once', async () => {
    const agent = await signInWith(lifetime, true);
    for (let i = 0; i < 5; i++) await agent.get('/me').expect(200);
    expect(provider.count('/token')).toBe(1);
    advanceClock((lifetime * 1000) / 2 + 100);
    await agent.get('/me').expect(200);
    await agent.get('/me').expect(200);
    expect(provider.count('/token')).toBe(2);
  });
});

it('refreshes a long-lived token within the full leeway of its expiry', async () => {
  const agent = await signInWith(3600, true);
  await agent.get('/me').expect(200);
  advanceClock((3600 - 29) * 1000);
  await agent.get('/me').expect(200);
  expect(provider.count('/token')).toBe(2);
});
