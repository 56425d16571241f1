// The token client reads the token endpoint's answer through "maxResponseBytes", once: an answer
// over the limit (whatever its Content-Length says, or without one) is refused with
// OAUTH_INVALID_RESPONSE naming the endpoint and the limit, an answer of exactly the limit is
// read, and an answer that stalls mid-body is a timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenClient, type OAuthTokenClient } from '../../src/token-client/index.js';
import {
  startSimulatorServer,
  type SimulatorHandler,
  type SimulatorServer,
} from '../../simulators/simulator-server.js';

const LIMIT = 4096;
let server: SimulatorServer;

afterEach(async () => {
  await server.close();
});

async function start(handler: SimulatorHandler): Promise<OAuthTokenClient> {
  server = await startSimulatorServer(handler, { log: [] });
  return createTokenClient({
    grant: 'password',
    tokenEndpoint: `${server.url}/api/v1/token`,
    username: 'api@acme.com',
    password: 'my_password',
    timeout: 1_000,
    maxResponseBytes: LIMIT,
  });
}

/** An honest token answer padded to exactly `size` bytes. */
function tokenAnswer(size: number): string {
  const honest = { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 };
  const bare = JSON.stringify({ ...honest, padding: '' });
  return JSON.stringify({ ...honest, padding: 'x'.repeat(size - bare.length) });
}

describe('the token client and the size of token answers', () => {
  it.each([
    ['with a Content-Length', true],
    ['streamed without one', false],
  ])('refuses an answer one byte over the limit, %s', async (_how, withLength) => {
    const body = tokenAnswer(LIMIT + 1);
    const client = await start((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(withLength ? { 'content-length': String(body.length) } : {}),
      });
      res.end(body);
    });
    const error = await client.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'OAUTH_INVALID_RESPONSE',
      status: 502,
      message: `the provider's token response is larger than ${LIMIT} bytes ("maxResponseBytes"); it was not read`,
      cause: { endpoint: 'token', limit: LIMIT },
    });
  });

  it('reads an answer of exactly the limit', async () => {
    const client = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(tokenAnswer(LIMIT));
    });
    await expect(client.getAccessToken()).resolves.toBe('tok');
  });

  it('reports an answer that stalls mid-body as a timeout', async () => {
    const client = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(tokenAnswer(LIMIT).slice(0, 100));
    });
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_TIMEOUT' });
  });
});
