import { afterEach, describe, expect, it } from 'vitest';
import { algoreg, createTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;

afterEach(async () => {
  await sim.close();
});

describe('HTTP Basic (Algoreg authentication method 1)', () => {
  it('calls the API with the Basic header and never calls the token endpoint', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient({
      grant: 'basic',
      username: sim.user.email,
      password: sim.user.password,
    });

    const response = await client.fetch(sim.meEndpoint);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ email: sim.user.email });
    // The document's example header for api@acme.com / my_password.
    expect(sim.requests[0]?.headers.authorization).toBe('Basic YXBpQGFjbWUuY29tOm15X3Bhc3N3b3Jk');
    expect(await client.getAuthorizationHeader()).toBe('Basic YXBpQGFjbWUuY29tOm15X3Bhc3N3b3Jk');
    expect(sim.tokenRequests).toBe(0);
    expect(sim.count('/api/v1/token')).toBe(0);
  });

  it('has no access token to give', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient({ grant: 'basic', username: 'a@b.c', password: 'p' });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_STATE',
    });
  });

  it('fails with a typed error on a wrong password, then makes no further request', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient({
      grant: 'basic',
      username: sim.user.email,
      password: 'wrong-password',
    });

    await expect(client.fetch(sim.meEndpoint)).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_credentials',
      retryAfter: 900,
      message:
        'the API rejected the HTTP Basic credentials of "api@acme.com" (invalid_credentials); check "options.username" and "options.password" — no further attempt is made for 900 s, to avoid locking the account',
    });
    for (let i = 0; i < 20; i += 1) {
      await expect(client.fetch(sim.meEndpoint)).rejects.toMatchObject({
        code: 'OAUTH_CREDENTIALS_REJECTED',
      });
    }
    await expect(client.getAuthorizationHeader()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });

    expect(sim.count('/api/v1/me')).toBe(1);
    expect(sim.failedAttempts).toBe(1);
    expect(sim.isLocked(sim.user.email)).toBe(false);
  });

  it('reports a locked account as a credentials error', async () => {
    sim = await startAlgoregSimulator();
    sim.lock(sim.user.email);
    const client = createTokenClient(
      algoreg({
        grant: 'basic',
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    await expect(client.fetch(sim.meEndpoint)).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'account_locked',
      message: expect.stringContaining('as locked (account_locked)'),
    });
  });
});
