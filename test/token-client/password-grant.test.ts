import { afterEach, describe, expect, it } from 'vitest';
import { algoreg, createTokenClient } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';
import {
  createRecorder,
  sendJson,
  startSimulatorServer,
  type RecordedRequest,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

let sim: AlgoregSimulator;
let server: SimulatorServer | undefined;

afterEach(async () => {
  await sim?.close();
  await server?.close();
  server = undefined;
});

describe('password grant with a JSON body (Algoreg)', () => {
  it('gets a token with the JSON password grant and calls the API with it', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    const response = await client.fetch(sim.meEndpoint);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: sim.user.id, email: sim.user.email });
    expect(sim.tokenRequests).toBe(1);
    const [tokenRequest, apiRequest] = sim.requests;
    expect(tokenRequest?.headers['content-type']).toBe('application/json');
    // Algoreg knows no client: nothing but the grant and the user's credentials is sent.
    expect(JSON.parse(tokenRequest!.body)).toEqual({
      grant_type: 'password',
      username: sim.user.email,
      password: sim.user.password,
    });
    expect(tokenRequest?.headers.authorization).toBeUndefined();
    expect(apiRequest?.headers.authorization).toBe(`Bearer ${await client.getAccessToken()}`);
  });

  it('resolves relative URLs against apiBaseURL and sends the token to no other origin', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    expect((await client.fetch('/api/v1/me')).status).toBe(200);
    await expect(client.fetch('http://localhost:1/api/v1/me')).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: expect.stringContaining('sends credentials only to'),
    });
    expect(sim.count('/api/v1/me')).toBe(1);
  });

  it('keeps the caller’s request options and replaces any Authorization header it set', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    await client.fetch(sim.meEndpoint, {
      headers: { accept: 'application/json', authorization: 'Bearer stale' },
    });

    const apiRequest = sim.requests.find((r) => r.path === '/api/v1/me');
    expect(apiRequest?.headers.accept).toBe('application/json');
    expect(apiRequest?.headers.authorization).toBe(`Bearer ${await client.getAccessToken()}`);
    expect(await client.getAuthorizationHeader()).toBe(apiRequest?.headers.authorization);
  });

  it('accepts a token response without token_type and ignores an id_token it cannot validate', async () => {
    sim = await startAlgoregSimulator();
    const log: RecordedRequest[] = [];
    server = await startSimulatorServer(
      (_req, res) =>
        sendJson(res, 200, { access_token: 'quirky', expires_in: 3600, id_token: 'x.y.z' }),
      { log },
    );
    const client = createTokenClient({
      grant: 'password',
      tokenEndpoint: `${server.url}/token`,
      username: 'api@acme.com',
      password: 'my_password',
    });

    await expect(client.getAccessToken()).resolves.toBe('quirky');
    expect(createRecorder(log).count('/token')).toBe(1);
  });

  it('sends the client in the JSON body when the token endpoint wants client_secret_post', async () => {
    sim = await startAlgoregSimulator();
    const log: RecordedRequest[] = [];
    server = await startSimulatorServer(
      (_req, res) =>
        sendJson(res, 200, { access_token: 't', token_type: 'Bearer', expires_in: 60 }),
      { log },
    );
    const client = createTokenClient({
      grant: 'password',
      tokenEndpoint: `${server.url}/token`,
      username: 'api@acme.com',
      password: 'my_password',
      scope: 'read write',
      clientId: 'backend',
      clientSecret: 's3cret',
      tokenEndpointAuthMethod: 'client_secret_post',
      tokenRequestFormat: 'json',
    });

    await client.getAccessToken();

    expect(JSON.parse(log[0]!.body)).toEqual({
      grant_type: 'password',
      username: 'api@acme.com',
      password: 'my_password',
      scope: 'read write',
      client_id: 'backend',
      client_secret: 's3cret',
    });
  });

  it('sends an RFC 6749 form body when tokenRequestFormat is "form"', async () => {
    sim = await startAlgoregSimulator();
    const log: RecordedRequest[] = [];
    server = await startSimulatorServer(
      (_req, res) => sendJson(res, 200, { access_token: 't', token_type: 'bearer' }),
      { log },
    );
    const client = createTokenClient({
      grant: 'password',
      tokenEndpoint: `${server.url}/token`,
      username: 'api@acme.com',
      password: 'my password',
      tokenRequestFormat: 'form',
    });

    await client.getAccessToken();

    expect(log[0]?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(log[0]!.body))).toEqual({
      grant_type: 'password',
      username: 'api@acme.com',
      password: 'my password',
    });
  });

  it('sends an RFC 6749 §4.3 form body by default', async () => {
    const log: RecordedRequest[] = [];
    server = await startSimulatorServer(
      (_req, res) =>
        sendJson(res, 200, { access_token: 't', token_type: 'Bearer', expires_in: 60 }),
      { log },
    );
    const client = createTokenClient({
      grant: 'password',
      tokenEndpoint: `${server.url}/token`,
      username: 'api@acme.com',
      password: 'my pass&word',
      scope: 'read',
    });

    await client.getAccessToken();

    expect(log).toHaveLength(1);
    expect(log[0]?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(log[0]?.body).not.toMatch(/^\{/);
    expect(Object.fromEntries(new URLSearchParams(log[0]!.body))).toEqual({
      grant_type: 'password',
      username: 'api@acme.com',
      password: 'my pass&word',
      scope: 'read',
    });
  });

  it('is refused by Algoreg, which reads JSON only, with a hint at tokenRequestFormat', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient({
      grant: 'password',
      tokenEndpoint: sim.tokenEndpoint,
      username: sim.user.email,
      password: sim.user.password,
    });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_ERROR',
      error: 'invalid_request',
      message: expect.stringContaining('check "options.grant" and "options.tokenRequestFormat"'),
    });
    expect(sim.failedAttempts).toBe(0);
  });
});
