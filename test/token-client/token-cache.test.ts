import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { algoreg, createTokenClient, type OAuthTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;
let client: OAuthTokenClient;

beforeEach(async () => {
  sim = await startAlgoregSimulator();
  client = createTokenClient(
    algoreg({
      apiBaseURL: sim.url,
      username: sim.user.email,
      password: sim.user.password,
    }),
  );
});

afterEach(async () => {
  await sim.close();
});

describe('token cache', () => {
  it('makes one token request for 10 sequential calls', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 10; i += 1) tokens.add(await client.getAccessToken());
    expect(tokens.size).toBe(1);
    expect(sim.tokenRequests).toBe(1);
  });

  it('makes one token request for 50 concurrent callers (single flight)', async () => {
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.tokenRequests).toBe(1);
  });

  it('makes one token request for 20 concurrent API calls', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.fetch(sim.meEndpoint)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(sim.tokenRequests).toBe(1);
    expect(sim.count('/api/v1/me')).toBe(20);
  });

  it('asks for a new token after invalidate()', async () => {
    const first = await client.getAccessToken();
    client.invalidate();
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(sim.tokenRequests).toBe(2);
  });

  it('shares a failed token request between concurrent callers and lets the next call try again', async () => {
    await sim.close();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.getAccessToken()),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const reasons = new Set(results.map((r) => (r as PromiseRejectedResult).reason as unknown));
    expect(reasons.size).toBe(1);
    sim = await startAlgoregSimulator({ port: Number(new URL(sim.url).port) });
    await expect(client.getAccessToken()).resolves.toEqual(expect.any(String));
    expect(sim.tokenRequests).toBe(1);
  });
});
