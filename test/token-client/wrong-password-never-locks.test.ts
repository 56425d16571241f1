/**
 * Regression: the cool-down only spaced out the attempts of a wrong password, so a server left
 * running with one still locked its Algoreg account (5 wrong passwords in a row) after about an
 * hour. The client now stops sending credentials the provider refused `maxCredentialsRejections`
 * times in a row (3 in the Algoreg preset) until `resetCredentials()` or a new client.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { algoreg, createTokenClient } from '../../src/token-client/index.js';
import type { AlgoregOptions } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;

beforeEach(async () => {
  // Only Date is faked: the cool-down passes without waiting, the sockets run for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  sim = await startAlgoregSimulator();
});

afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

function client(options: Partial<AlgoregOptions> = {}) {
  return createTokenClient(
    algoreg({
      apiBaseURL: sim.url,
      username: sim.user.email,
      password: 'wrong-password',
      ...options,
    }),
  );
}

async function failure(attempt: Promise<unknown>): Promise<OAuthError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

const STOPPED =
  'the token endpoint rejected the credentials of "api@acme.com" (invalid_grant); check "options.username" and "options.password" — refused 3 times in a row: this client makes no further attempt until client.resetCredentials() is called or a new client is created with fixed credentials';

describe('a wrong password on a server that keeps running (Algoreg locks at 5)', () => {
  it('is sent 3 times, one per cool-down, then never again: a day later the account is not locked', async () => {
    const wrong = client();
    let last: OAuthError | undefined;
    // One call a minute for a day.
    for (let minute = 0; minute < 24 * 60; minute += 1) {
      last = await failure(wrong.getAccessToken());
      vi.setSystemTime(Date.now() + 60_000);
    }

    expect(sim.tokenRequests).toBe(3);
    expect(sim.consecutiveFailures(sim.user.email)).toBe(3);
    expect(sim.isLocked(sim.user.email)).toBe(false);
    expect(last).toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      status: 503,
      error: 'invalid_grant',
      retryAfter: undefined,
      message: STOPPED,
    });
  });

  it('stops at once with no cool-down, and through client.fetch() too', async () => {
    const wrong = client({ credentialsCooldown: 0 });
    for (let i = 0; i < 2; i += 1) {
      expect((await failure(wrong.fetch('/api/v1/me'))).message).not.toContain('in a row');
    }
    // The third refusal stops the client, and every later call says so without a request.
    for (let i = 0; i < 11; i += 1) {
      expect((await failure(wrong.fetch('/api/v1/me'))).message).toBe(STOPPED);
    }
    expect(sim.tokenRequests).toBe(3);
    expect(sim.count('/api/v1/me')).toBe(0);
    expect(sim.isLocked(sim.user.email)).toBe(false);
  });

  it('stops HTTP Basic (Algoreg’s method 1) the same way', async () => {
    const wrong = client({ grant: 'basic', credentialsCooldown: 0 });
    for (let i = 0; i < 3; i += 1) {
      await failure(wrong.fetch('/api/v1/me'));
    }
    const stopped = await failure(wrong.fetch('/api/v1/me'));
    expect(stopped.message).toContain('refused 3 times in a row');
    expect(sim.count('/api/v1/me')).toBe(3);
    expect(sim.isLocked(sim.user.email)).toBe(false);
  });

  it('follows maxCredentialsRejections, which only refusals in a row reach', async () => {
    const right = client({ password: sim.user.password, maxCredentialsRejections: 2 });
    sim.lock(sim.user.email);
    await failure(right.getAccessToken()); // refusal 1 (locked), then the cool-down
    sim.unlock(sim.user.email);
    vi.setSystemTime(Date.now() + 900_000);
    expect(await right.getAccessToken()).toEqual(expect.any(String)); // accepted: count starts again

    sim.lock(sim.user.email);
    right.invalidate();
    await failure(right.getAccessToken()); // refusal 1 again, not 2
    vi.setSystemTime(Date.now() + 900_000);
    const second = await failure(right.getAccessToken()); // refusal 2: stops
    expect(second.message).toContain('refused 2 times in a row');
    expect(second.error).toBe('account_locked');
    vi.setSystemTime(Date.now() + 86_400_000);
    await failure(right.getAccessToken());
    expect(sim.tokenRequests).toBe(4);
  });
});

describe('client.resetCredentials()', () => {
  it('sends the credentials again once the cause is fixed at the provider (the account unlocked)', async () => {
    const right = client({ password: sim.user.password });
    sim.lock(sim.user.email);
    for (let i = 0; i < 3; i += 1) {
      await failure(right.getAccessToken());
      vi.setSystemTime(Date.now() + 900_000);
    }
    expect((await failure(right.getAccessToken())).message).toContain('refused 3 times in a row');
    expect(sim.tokenRequests).toBe(3);

    // Algoreg's support unlocks the programmatic user; the operators tell the client.
    sim.unlock(sim.user.email);
    right.resetCredentials();

    expect((await right.fetch('/api/v1/me')).status).toBe(200);
    expect(sim.tokenRequests).toBe(4);
  });

  it('ends a cool-down too, and a new client with the right password never waited for either', async () => {
    const wrong = client();
    await failure(wrong.getAccessToken());
    expect((await failure(wrong.getAccessToken())).retryAfter).toBe(900);
    expect(sim.tokenRequests).toBe(1);

    wrong.resetCredentials();
    await failure(wrong.getAccessToken());
    expect(sim.tokenRequests).toBe(2);

    const fixed = client({ password: sim.user.password });
    expect((await fixed.fetch('/api/v1/me')).status).toBe(200);
  });
});

describe('maxCredentialsRejections', () => {
  it('is a whole number >= 1, or Infinity (no limit, the default of the generic client)', () => {
    for (const value of [0, 1.5, -1, '3', Number.NaN]) {
      expect(() => client({ maxCredentialsRejections: value as number })).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: 'ERR_INVALID_ARG_VALUE',
          message: '"options.maxCredentialsRejections" must be a whole number >= 1, or Infinity',
        }),
      );
    }
    expect(() => client({ maxCredentialsRejections: Infinity })).not.toThrow();
    expect(() => client({ maxCredentialsRejections: 1 })).not.toThrow();
  });
});
