import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenClient, type OAuthTokenClient } from '../../src/token-client/index.js';
import {
  sendHtml,
  sendJson,
  sendOAuthError,
  startSimulatorServer,
  type RecordedRequest,
  type SimulatorHandler,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

let server: SimulatorServer;
let log: RecordedRequest[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

async function start(handler: SimulatorHandler): Promise<OAuthTokenClient> {
  log = [];
  server = await startSimulatorServer(handler, { log });
  return createTokenClient({
    grant: 'password',
    tokenEndpoint: `${server.url}/api/v1/token`,
    username: 'api@acme.com',
    password: 'my_password',
    timeout: 300,
  });
}

describe('token endpoint failures', () => {
  it('fails with OAUTH_PROVIDER_UNAVAILABLE when the token endpoint cannot be reached', async () => {
    const client = await start(() => {});
    await server.close();

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      message: `the token endpoint ${server.url}/api/v1/token could not be reached`,
    });
  });

  it('fails with OAUTH_PROVIDER_UNAVAILABLE on a 5xx, and the next call tries again', async () => {
    let down = true;
    const client = await start((_req, res) =>
      down
        ? sendHtml(res, 503, '<h1>maintenance</h1>')
        : sendJson(res, 200, { access_token: 'back', token_type: 'Bearer', expires_in: 3600 }),
    );

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      message: expect.stringContaining('answered HTTP 503'),
    });
    down = false;
    await expect(client.getAccessToken()).resolves.toBe('back');
    expect(log).toHaveLength(2);
  });

  it('fails with OAUTH_PROVIDER_TIMEOUT when the token endpoint hangs past the timeout', async () => {
    const client = await start(() => {
      // Never answers.
    });

    const started = performance.now();
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_TIMEOUT',
      message: expect.stringContaining('did not answer within 300 ms'),
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('fails with OAUTH_RATE_LIMITED and retryAfter on a 429, and waits that long before asking again', async () => {
    let limited = true;
    const client = await start((_req, res) =>
      limited
        ? sendOAuthError(res, 429, 'slow_down', 'too many requests', { 'retry-after': '30' })
        : sendJson(res, 200, { access_token: 'ok', token_type: 'Bearer', expires_in: 3600 }),
    );

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_RATE_LIMITED',
      retryAfter: 30,
      error: 'slow_down',
    });
    limited = false;
    vi.setSystemTime(Date.now() + 20_000);
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_RATE_LIMITED',
      retryAfter: 10,
    });
    expect(log).toHaveLength(1);

    vi.setSystemTime(Date.now() + 10_000);
    await expect(client.getAccessToken()).resolves.toBe('ok');
    expect(log).toHaveLength(2);
  });

  it('fails with OAUTH_RATE_LIMITED on a bare 429 without an OAuth body', async () => {
    const client = await start((_req, res) => {
      res.writeHead(429, { 'retry-after': '5' });
      res.end();
    });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_RATE_LIMITED',
      retryAfter: 5,
    });
  });

  it('fails with OAUTH_INVALID_RESPONSE when the token response has no access_token', async () => {
    const client = await start((_req, res) => sendJson(res, 200, { token_type: 'Bearer' }));

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_INVALID_RESPONSE',
      message: expect.stringContaining('access_token'),
    });
  });

  it('reports a provider error that is not about the credentials with a hint, and does not block', async () => {
    const client = await start((_req, res) =>
      sendOAuthError(res, 400, 'unsupported_grant_type', 'grant_type must be "password"'),
    );

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_ERROR',
      error: 'unsupported_grant_type',
      message: expect.stringContaining('check "options.grant" and "options.tokenRequestFormat"'),
    });
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_ERROR' });
    expect(log).toHaveLength(2);
  });
});
