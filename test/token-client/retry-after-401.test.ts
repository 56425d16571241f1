import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenClient, type OAuthTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';
import {
  bearerToken,
  sendOAuthError,
  startSimulatorServer,
  type RecordedRequest,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

let sim: AlgoregSimulator;
let client: OAuthTokenClient;
let api: SimulatorServer | undefined;

beforeEach(async () => {
  sim = await startAlgoregSimulator();
  // A generic client, not algoreg(): two tests call an API on another origin, which the preset,
  // pinned to Algoreg's API host, would refuse. Algoreg's token endpoint reads JSON only.
  client = createTokenClient({
    grant: 'password',
    tokenEndpoint: sim.tokenEndpoint,
    username: sim.user.email,
    password: sim.user.password,
    tokenRequestFormat: 'json',
  });
});

afterEach(async () => {
  await sim.close();
  await api?.close();
  api = undefined;
});

function bearers(): (string | undefined)[] {
  return sim.requests.filter((r) => r.path === '/api/v1/me').map((r) => bearerToken(r));
}

describe('client.fetch() after a 401 from the API', () => {
  it('gets a new token and retries once when the API refuses the cached token', async () => {
    const first = await client.getAccessToken();
    sim.expireTokens();

    const response = await client.fetch(sim.meEndpoint);

    expect(response.status).toBe(200);
    expect(sim.tokenRequests).toBe(2);
    const [refused, retried] = bearers();
    expect(refused).toBe(first);
    expect(retried).not.toBe(first);
    expect(retried).toBe(await client.getAccessToken());
  });

  it('renews the token once for concurrent calls that all got a 401', async () => {
    await client.getAccessToken();
    sim.expireTokens();

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.fetch(sim.meEndpoint)),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(sim.tokenRequests).toBe(2);
  });

  it('returns a second 401 to the caller as is', async () => {
    const log: RecordedRequest[] = [];
    api = await startSimulatorServer(
      (_req, res) => sendOAuthError(res, 401, 'invalid_token', 'no access to this resource'),
      { log },
    );

    const response = await client.fetch(`${api.url}/resource`, { method: 'POST', body: 'hello' });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'no access to this resource',
    });
    expect(log).toHaveLength(2);
    expect(log.map((r) => r.body)).toEqual(['hello', 'hello']);
    expect(bearerToken(log[0]!)).not.toBe(bearerToken(log[1]!));
    expect(sim.tokenRequests).toBe(2);
  });

  it('does not retry a request whose body is a stream, which cannot be sent twice', async () => {
    const log: RecordedRequest[] = [];
    api = await startSimulatorServer(
      (_req, res) => sendOAuthError(res, 401, 'invalid_token', '-'),
      {
        log,
      },
    );
    const body = new Blob(['streamed']).stream();

    const response = await client.fetch(`${api.url}/upload`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(401);
    expect(log).toHaveLength(1);
    expect(sim.tokenRequests).toBe(1);
  });
});
