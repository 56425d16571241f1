// The provider turns hostile at refresh time. A refreshed ID token naming another user (another
// sub, or the same sub at another issuer) or a refused refresh token ends the session; a refresh
// token is never spent twice at once; a provider failure keeps the session for a later retry.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  expectRefusal,
  expectSignedOut,
  HOSTILE_TIMEOUT,
  signIn,
  startHostile,
  storedSession,
} from './hostile-harness.js';
import type { Agent, Hostile, Refusal } from './hostile-harness.js';
import type { TokenScript } from '../helpers/scripted-provider.js';

let h: Hostile;

beforeAll(async () => {
  // A login token of 0 s has expired by the first request, while a refreshed one (3600 s) is
  // fresh, so each refresh is one request at the provider.
  h = await startHostile({ oauth: { ...HOSTILE_TIMEOUT } });
});
afterAll(() => h.close());
beforeEach(() => h.provider.reset());
afterEach(() => {
  vi.useRealTimers();
});

/** A signed-in browser whose access token has expired, with a refresh token. */
async function dueForRefresh(): Promise<Agent> {
  h.provider.script.token = { set: { expires_in: 0 } };
  return signIn(h);
}

/** Moves Date (only Date) forward, past the refresh back-off; timers and I/O keep running. */
function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

/** The refresh is refused and the session is over: signed out, no tokens kept, honest login works. */
async function expectSessionEnded(script: TokenScript, refusal: Refusal): Promise<Agent> {
  const agent = await dueForRefresh();
  const refreshes = h.provider.count('/token');
  h.provider.script.refresh = script;
  expectRefusal(await agent.get('/access-token'), refusal);
  expect(h.provider.count('/token')).toBe(refreshes + 1);
  h.provider.script.refresh = undefined;
  await expectSignedOut(agent);
  expect((await storedSession(agent)).oauth?.tokens).toBeUndefined();
  expectRefusal(await agent.get('/access-token'), { status: 401, code: 'OAUTH_LOGIN_REQUIRED' });
  await signIn(h);
  return agent;
}

/** The refresh is refused but the session stays, with the tokens it had, and works once the provider does. */
async function expectSessionKept(script: TokenScript, refusal: Refusal): Promise<void> {
  const agent = await dueForRefresh();
  const before = await storedSession(agent);
  h.provider.script.refresh = script;
  expectRefusal(await agent.get('/access-token'), refusal);
  h.provider.script.refresh = undefined;
  const after = await storedSession(agent);
  expect(after.id).toBe(before.id);
  expect(after.oauth?.tokens).toEqual(before.oauth?.tokens);
  // The provider is not asked again on every request: until the back-off ends, the same error
  // is served at once, with Retry-After.
  const refreshes = h.provider.count('/token');
  const again = await agent.get('/access-token');
  expectRefusal(again, refusal);
  expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
  expect(h.provider.count('/token')).toBe(refreshes);
  advanceClock(5);
  await agent.get('/access-token').expect(200);
  expect(h.provider.count('/token')).toBe(refreshes + 1);
}

describe('a refreshed ID token naming another user', () => {
  it('ends the session when the refreshed ID token has another sub, and revokes both sets of tokens', async () => {
    const revocations = h.provider.count('/revoke');
    await expectSessionEnded(
      { idToken: { claims: { sub: 'mallory' } } },
      { status: 401, code: 'OAUTH_SUBJECT_MISMATCH' },
    );
    // The tokens just issued for someone else, then the session's own: two each.
    expect(h.provider.count('/revoke') - revocations).toBe(4);
  });

  it('ends the session when the refreshed ID token has another iss', async () => {
    await expectSessionEnded(
      { idToken: { claims: { iss: 'https://evil.example' } } },
      { status: 401, code: 'OAUTH_SUBJECT_MISMATCH' },
    );
  });
});

describe('a refreshed ID token that fails validation', () => {
  it('ends the session when the refreshed ID token has a bad signature', async () => {
    await expectSessionEnded(
      { idToken: { key: 'foreign' } },
      { status: 502, code: 'OAUTH_ID_TOKEN_INVALID' },
    );
  });
});

describe('a refused refresh token', () => {
  it('ends the session on invalid_grant, and sends the next page request to log in', async () => {
    const agent = await expectSessionEnded(
      { status: 400, body: { error: 'invalid_grant', error_description: 'revoked' } },
      { status: 401, code: 'OAUTH_LOGIN_REQUIRED' },
    );
    const page = await agent.get('/me').set('Accept', 'text/html').expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Fme');
  });
});

describe('provider failures during a refresh', () => {
  it.each([
    ['answers 500', { status: 500, body: { error: 'server_error' } }],
    [
      'answers 503 with a plain-text page',
      { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' },
    ],
  ] as [string, TokenScript][])('keeps the session when the refresh %s', async (_name, script) => {
    await expectSessionKept(script, { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' });
  });

  it('keeps the session when the refresh does not answer in time', async () => {
    await expectSessionKept({ hang: true }, { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' });
  });

  it('keeps the session when the refresh answers 200 with HTML', async () => {
    await expectSessionKept(
      { headers: { 'content-type': 'text/html' }, body: '<html>login</html>' },
      { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
    );
  });
});

describe('concurrent refreshes', () => {
  it('sends the refresh token once for 10 parallel requests, and answers them all', async () => {
    const agent = await dueForRefresh();
    const before = h.provider.count('/token');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => agent.get('/access-token')),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(h.provider.count('/token') - before).toBe(1);
    const fingerprints = new Set(responses.map((response) => response.body.fingerprint as string));
    expect(fingerprints.size).toBe(1);
    await agent.get('/access-token').expect(200);
    expect(h.provider.count('/token') - before).toBe(1);
  });

  it('sends the refresh token once for 10 parallel requests when the refresh is refused', async () => {
    const agent = await dueForRefresh();
    const before = h.provider.count('/token');
    // Answered late, so that all ten requests are waiting for this one refresh.
    h.provider.script.refresh = { delayMs: 200, idToken: { claims: { sub: 'mallory' } } };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => agent.get('/access-token')),
    );
    for (const response of responses) {
      expectRefusal(response, { status: 401, code: 'OAUTH_SUBJECT_MISMATCH' });
    }
    expect(h.provider.count('/token') - before).toBe(1);
    await expectSignedOut(agent);
  });
});
