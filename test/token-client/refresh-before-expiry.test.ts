import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { algoreg, createTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;

beforeEach(() => {
  // Only Date is faked: sockets and the simulator's timers keep running for real.
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await sim.close();
});

function advanceSeconds(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000);
}

describe('renewal before expiry', () => {
  it('keeps the one-hour token until refreshLeeway before its expiry, then gets a new one', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
        refreshLeeway: 60,
      }),
    );
    const first = await client.getAccessToken();

    advanceSeconds(3600 - 61);
    expect(await client.getAccessToken()).toBe(first);
    expect(sim.tokenRequests).toBe(1);

    advanceSeconds(2);
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(sim.tokenRequests).toBe(2);
    // The token is renewed while the old one still works: no API call ever sees it expire.
    expect((await client.fetch(sim.meEndpoint)).status).toBe(200);
    expect(sim.tokenRequests).toBe(2);
  });

  it('renews a token shorter-lived than the leeway at half its life, not at every call', async () => {
    sim = await startAlgoregSimulator({ tokenLifetimeSeconds: 60 });
    const client = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
        refreshLeeway: 300,
      }),
    );
    const first = await client.getAccessToken();

    advanceSeconds(29);
    expect(await client.getAccessToken()).toBe(first);
    advanceSeconds(2);
    expect(await client.getAccessToken()).not.toBe(first);
    expect(sim.tokenRequests).toBe(2);
  });
});
