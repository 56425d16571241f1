import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { algoreg, createTokenClient, type OAuthTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;
let client: OAuthTokenClient;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  sim = await startAlgoregSimulator();
  client = createTokenClient(
    algoreg({
      apiBaseURL: sim.url,
      username: sim.user.email,
      password: 'wrong-password',
    }),
  );
});

afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

async function failure(attempt: Promise<unknown>): Promise<OAuthError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe('a wrong password (Algoreg locks the account after 5)', () => {
  it('fails with one token request and a typed error that names the fix', async () => {
    const error = await failure(client.getAccessToken());

    expect(sim.tokenRequests).toBe(1);
    expect(error).toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      status: 503,
      error: 'invalid_grant',
      errorDescription: 'invalid username or password',
      retryAfter: 900,
    });
    expect(error.message).toBe(
      'the token endpoint rejected the credentials of "api@acme.com" (invalid_grant); check "options.username" and "options.password" — no further attempt is made for 900 s, to avoid locking the account',
    );
    expect(error.message).not.toContain('wrong-password');
    expect(error.cause).toBeDefined();
  });

  it('makes no further request for 20 later calls, so the account never locks', async () => {
    const first = await failure(client.getAccessToken());

    for (let i = 0; i < 10; i += 1) {
      const later = await failure(client.getAccessToken());
      expect(later).toMatchObject({ code: first.code, error: first.error, retryAfter: 900 });
      expect(later.message).toBe(first.message);
      await expect(client.fetch(sim.meEndpoint)).rejects.toMatchObject({
        code: 'OAUTH_CREDENTIALS_REJECTED',
      });
    }
    await Promise.allSettled(Array.from({ length: 20 }, () => client.getAccessToken()));

    expect(sim.tokenRequests).toBe(1);
    expect(sim.failedAttempts).toBe(1);
    expect(sim.count('/api/v1/me')).toBe(0);
    expect(sim.isLocked(sim.user.email)).toBe(false);
  });

  it('tells later callers how long is left of the cool-down', async () => {
    await failure(client.getAccessToken());
    vi.setSystemTime(Date.now() + 600_000);

    const later = await failure(client.getAccessToken());

    expect(later.retryAfter).toBe(300);
    expect(later.message).toContain('no further attempt is made for 300 s');
  });

  it('makes one new attempt once the cool-down has passed', async () => {
    await failure(client.getAccessToken());
    vi.setSystemTime(Date.now() + 899_000);
    await failure(client.getAccessToken());
    expect(sim.tokenRequests).toBe(1);

    vi.setSystemTime(Date.now() + 1_000);
    await Promise.allSettled(Array.from({ length: 5 }, () => client.getAccessToken()));

    expect(sim.tokenRequests).toBe(2);
    expect(sim.failedAttempts).toBe(2);
  });

  it('honours a custom cool-down, and Infinity stops this client for good', async () => {
    const short = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: 'wrong-password',
        credentialsCooldown: 30,
      }),
    );
    expect((await failure(short.getAccessToken())).retryAfter).toBe(30);

    const never = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: 'wrong-password',
        credentialsCooldown: Infinity,
      }),
    );
    const error = await failure(never.getAccessToken());
    expect(error.retryAfter).toBeUndefined();
    expect(error.message).toContain('this client makes no further attempt');
    vi.setSystemTime(Date.now() + 365 * 86_400_000);
    await failure(never.getAccessToken());
    expect(sim.failedAttempts).toBe(2);
  });

  it('lets a new client with the right password start clean', async () => {
    await failure(client.getAccessToken());

    const fixed = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    expect((await fixed.fetch(sim.meEndpoint)).status).toBe(200);
    await failure(client.getAccessToken());
    expect(sim.tokenRequests).toBe(2);
  });
});
