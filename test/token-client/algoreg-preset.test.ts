import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { algoreg, createTokenClient, type AlgoregOptions } from '../../src/token-client/index.js';
import { startAlgoregSimulator, type AlgoregSimulator } from '../../simulators/algoreg.js';
import {
  sendJson,
  sendOAuthError,
  startSimulatorServer,
  type RecordedRequest,
  type SimulatorHandler,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

const credentials = { username: 'api@acme.com', password: 'my_password' };

let sim: AlgoregSimulator | undefined;
let server: SimulatorServer | undefined;
let log: RecordedRequest[];

beforeEach(() => {
  // Only Date is faked: sockets and the simulator's timers keep running for real.
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await sim?.close();
  await server?.close();
  sim = undefined;
  server = undefined;
});

/** A stand-in for Algoreg's token endpoint that answers what the test needs. */
async function startTokenEndpoint(handler: SimulatorHandler): Promise<string> {
  log = [];
  server = await startSimulatorServer(handler, { log });
  return server.url;
}

async function failure(attempt: Promise<unknown>): Promise<OAuthError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe('algoreg()', () => {
  it('gives the password grant against api.algoreg.com, as JSON, with Algoreg’s error names and one-hour tokens', () => {
    expect(algoreg(credentials)).toEqual({
      maxCredentialsRejections: 3,
      grant: 'password',
      tokenEndpoint: 'https://api.algoreg.com/api/v1/token',
      apiBaseURL: 'https://api.algoreg.com',
      username: 'api@acme.com',
      password: 'my_password',
      tokenRequestFormat: 'json',
      quirks: {
        credentialsErrors: ['invalid_credentials'],
        lockedErrors: ['account_locked'],
        unlockHint: 'Algoreg: contact its support',
        defaultExpiresIn: 3600,
      },
    });
  });

  it('uses the API host of a dedicated instance', () => {
    expect(algoreg({ ...credentials, instance: 'acme' })).toMatchObject({
      tokenEndpoint: 'https://api.acme.algoreg.com/api/v1/token',
      apiBaseURL: 'https://api.acme.algoreg.com',
    });
  });

  it('gives HTTP Basic, Algoreg’s method 1, with no token endpoint', () => {
    const options = algoreg({ ...credentials, grant: 'basic', credentialsCooldown: 60 });
    expect(options).toEqual({
      maxCredentialsRejections: 3,
      grant: 'basic',
      apiBaseURL: 'https://api.algoreg.com',
      username: 'api@acme.com',
      password: 'my_password',
      credentialsCooldown: 60,
      quirks: {
        credentialsErrors: ['invalid_credentials'],
        lockedErrors: ['account_locked'],
        unlockHint: 'Algoreg: contact its support',
      },
    });
    expect(createTokenClient(options).grant).toBe('basic');
  });

  it('sends a JSON password grant to Algoreg and calls its API with the token', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({ apiBaseURL: sim.url, username: sim.user.email, password: sim.user.password }),
    );

    const response = await client.fetch('/api/v1/me');

    expect(response.status).toBe(200);
    const [tokenRequest] = sim.requests;
    expect(tokenRequest?.path).toBe('/api/v1/token');
    expect(tokenRequest?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(tokenRequest!.body)).toEqual({
      grant_type: 'password',
      username: sim.user.email,
      password: sim.user.password,
    });
  });

  it('calls Algoreg’s API with HTTP Basic when asked to', async () => {
    sim = await startAlgoregSimulator();
    const client = createTokenClient(
      algoreg({
        grant: 'basic',
        apiBaseURL: sim.url,
        username: sim.user.email,
        password: sim.user.password,
      }),
    );

    expect((await client.fetch('/api/v1/me')).status).toBe(200);
    expect(sim.tokenRequests).toBe(0);
  });

  it('turns invalid_credentials into OAUTH_CREDENTIALS_REJECTED with one attempt per cool-down', async () => {
    const url = await startTokenEndpoint((_req, res) =>
      sendOAuthError(res, 400, 'invalid_credentials', 'invalid email or password'),
    );
    const client = createTokenClient(algoreg({ ...credentials, apiBaseURL: url }));

    const error = await failure(client.getAccessToken());
    expect(error).toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_credentials',
      retryAfter: 900,
      message:
        'the token endpoint rejected the credentials of "api@acme.com" (invalid_credentials); check "options.username" and "options.password" — no further attempt is made for 900 s, to avoid locking the account',
    });
    await Promise.allSettled(Array.from({ length: 10 }, () => client.getAccessToken()));
    expect(log).toHaveLength(1);

    vi.setSystemTime(Date.now() + 900_000);
    await failure(client.getAccessToken());
    await failure(client.getAccessToken());
    expect(log).toHaveLength(2);
  });

  it('turns account_locked into OAUTH_CREDENTIALS_REJECTED that says who unlocks it, with one attempt per cool-down', async () => {
    // A 400, so only the preset's names, not the 401/403 every client reads, make it a rejection.
    const url = await startTokenEndpoint((_req, res) =>
      sendOAuthError(res, 400, 'account_locked', 'contact Algoreg support'),
    );
    const client = createTokenClient(algoreg({ ...credentials, apiBaseURL: url }));

    const error = await failure(client.getAccessToken());
    expect(error).toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'account_locked',
      message:
        'the token endpoint reports the account "api@acme.com" as locked (account_locked); have the provider unlock it (Algoreg: contact its support) — no further attempt is made for 900 s',
    });
    await Promise.allSettled(Array.from({ length: 10 }, () => client.getAccessToken()));
    expect(log).toHaveLength(1);

    vi.setSystemTime(Date.now() + 900_000);
    await failure(client.getAccessToken());
    expect(log).toHaveLength(2);
  });

  it('keeps a token for one hour when the response does not say how long it lives', async () => {
    let issued = 0;
    const url = await startTokenEndpoint((_req, res) => {
      issued += 1;
      sendJson(res, 200, { access_token: `t${issued}`, token_type: 'Bearer' });
    });
    const client = createTokenClient(algoreg({ ...credentials, apiBaseURL: url }));

    expect(await client.getAccessToken()).toBe('t1');
    vi.setSystemTime(Date.now() + (3600 - 61) * 1000);
    expect(await client.getAccessToken()).toBe('t1');
    vi.setSystemTime(Date.now() + 2000);
    expect(await client.getAccessToken()).toBe('t2');
  });

  describe('options', () => {
    function create(options: unknown): () => unknown {
      return () => createTokenClient(algoreg(options as AlgoregOptions));
    }

    function refused(message: string | RegExp, code = 'ERR_INVALID_ARG_VALUE'): object {
      return expect.objectContaining({
        name: 'TypeError',
        code,
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      });
    }

    it('hints at a misspelt option', () => {
      expect(create({ ...credentials, instanse: 'acme' })).toThrow(
        refused('unknown option "instanse"; did you mean "instance"?'),
      );
    });

    it('refuses an instance that is not a host name label, which would send the password elsewhere', () => {
      expect(create({ ...credentials, instance: 'evil.example/x' })).toThrow(
        refused(/^"options.instance" must be the name of an Algoreg instance/),
      );
      expect(create({ ...credentials, instance: 42 })).toThrow(
        refused(/^"options.instance" must be/),
      );
    });

    it('refuses both an instance and an API base URL', () => {
      expect(create({ ...credentials, instance: 'acme', apiBaseURL: 'https://x.test' })).toThrow(
        refused(/set one of them$/),
      );
    });

    it('refuses a grant Algoreg does not offer, and options the grant does not take', () => {
      expect(create({ ...credentials, grant: 'client_credentials' })).toThrow(
        refused('"options.grant" must be "password" or "basic"'),
      );
      expect(create({ ...credentials, grant: 'basic', refreshLeeway: 30 })).toThrow(
        refused('option "refreshLeeway" does not apply to grant "basic"; remove it'),
      );
    });

    it('checks the credentials and the options it passes on when the client is created', () => {
      expect(create({ ...credentials, password: '' })).toThrow(
        refused('"options.password" must be a non-empty string'),
      );
      expect(create({ ...credentials, timeout: 0 })).toThrow(
        refused('"options.timeout" must be a finite number >= 1'),
      );
      expect(create(null)).toThrow(refused('"options" must be an object', 'ERR_INVALID_ARG_TYPE'));
    });
  });
});
