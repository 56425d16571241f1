import { afterEach, describe, expect, it } from 'vitest';
import { algoreg, createTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;

afterEach(async () => {
  await sim.close();
});

describe('a locked Algoreg account', () => {
  it('fails with a typed error saying the account is locked and who can unlock it', async () => {
    sim = await startAlgoregSimulator();
    sim.lock(sim.user.email);
    const client = createTokenClient(
      algoreg({ apiBaseURL: sim.url, username: sim.user.email, password: sim.user.password }),
    );

    const error = await client.getAccessToken().catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'OAuthError',
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'account_locked',
      errorDescription: expect.stringContaining('contact Algoreg support'),
      message:
        'the token endpoint reports the account "api@acme.com" as locked (account_locked); have the provider unlock it (Algoreg: contact its support) — no further attempt is made for 900 s',
    });
    await expect(client.getAccessToken()).rejects.toMatchObject({ error: 'account_locked' });
    expect(sim.tokenRequests).toBe(1);
  });

  it('stops a client whose token was issued before the lock at its next token request', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({ apiBaseURL: sim.url, username: sim.user.email, password: sim.user.password }),
    );
    await client.getAccessToken();
    sim.lock(sim.user.email);

    // Algoreg answers 403 to the API call itself: that is the API's answer, returned as is.
    expect((await client.fetch(sim.meEndpoint)).status).toBe(403);
    client.invalidate();
    await expect(client.fetch(sim.meEndpoint)).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'account_locked',
    });
    expect(sim.tokenRequests).toBe(2);
  });
});
