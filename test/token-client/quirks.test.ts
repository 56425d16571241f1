import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTokenClient,
  type OAuthTokenClientQuirks,
  type OAuthTokenClient,
} from '../../src/token-client/index.js';
import {
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
  // Only Date is faked: sockets keep running for real.
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

async function start(handler: SimulatorHandler): Promise<void> {
  log = [];
  server = await startSimulatorServer(handler, { log });
}

function passwordClient(quirks?: OAuthTokenClientQuirks): OAuthTokenClient {
  return createTokenClient({
    grant: 'password',
    tokenEndpoint: `${server.url}/token`,
    username: 'api@acme.com',
    password: 'my_password',
    ...(quirks === undefined ? {} : { quirks }),
  });
}

describe('quirks.credentialsErrors and quirks.lockedErrors', () => {
  it('treats a configured credentialsErrors value as a rejection, whatever the status', async () => {
    await start((_req, res) => sendOAuthError(res, 400, 'bad_password', 'wrong password'));
    const client = passwordClient({ credentialsErrors: ['bad_password'] });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'bad_password',
      message: expect.stringMatching(
        /^the token endpoint rejected the credentials of "api@acme.com" \(bad_password\)/,
      ),
    });
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });
    expect(log).toHaveLength(1);
  });

  it('reports a configured lockedErrors value as a locked account, with the unlock hint', async () => {
    await start((_req, res) => sendOAuthError(res, 400, 'user_suspended', 'suspended'));
    const client = passwordClient({
      lockedErrors: ['user_suspended'],
      unlockHint: 'ask the API administrator',
    });

    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'user_suspended',
      message:
        'the token endpoint reports the account "api@acme.com" as locked (user_suspended); have the provider unlock it (ask the API administrator) — no further attempt is made for 900 s',
    });
    expect(log).toHaveLength(1);
  });

  it('lets a Basic client return a 403 as is, unless its error is a configured one', async () => {
    await start((req, res) =>
      req.path === '/admin'
        ? sendOAuthError(res, 403, 'insufficient_scope', 'not for you')
        : sendOAuthError(res, 403, 'user_suspended', 'suspended'),
    );
    const client = createTokenClient({
      grant: 'basic',
      username: 'api@acme.com',
      password: 'my_password',
      apiBaseURL: server.url,
      quirks: { lockedErrors: ['user_suspended'] },
    });

    const forbidden = await client.fetch('/admin');
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: 'insufficient_scope' });
    await expect(client.fetch('/me')).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'user_suspended',
      message: expect.stringContaining('as locked (user_suspended)'),
    });
    await expect(client.fetch('/admin')).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });
    expect(log).toHaveLength(2);
  });
});

describe('without quirks', () => {
  it('does not take an unknown account_locked for a credentials rejection unless configured', async () => {
    await start((_req, res) => sendOAuthError(res, 400, 'account_locked', 'locked'));
    const generic = passwordClient();

    await expect(generic.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_PROVIDER_ERROR',
      error: 'account_locked',
    });
    // Not a rejection, so no cool-down: the next call asks again.
    await expect(generic.getAccessToken()).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_ERROR' });
    expect(log).toHaveLength(2);

    const configured = passwordClient({ lockedErrors: ['account_locked'] });
    await expect(configured.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      message: expect.stringMatching(
        /as locked \(account_locked\); have the provider unlock it — /,
      ),
    });
    await expect(configured.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
    });
    expect(log).toHaveLength(3);
  });

  it('still refuses RFC 6749 invalid_grant, and a 401 or 403 whatever its error', async () => {
    await start((req, res) =>
      req.path === '/token'
        ? sendOAuthError(res, 400, 'invalid_grant', 'bad password')
        : sendOAuthError(res, 403, 'account_locked', 'locked'),
    );

    await expect(passwordClient().getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'invalid_grant',
    });
    const forbidden = createTokenClient({
      grant: 'password',
      tokenEndpoint: `${server.url}/forbidden`,
      username: 'api@acme.com',
      password: 'my_password',
    });
    await expect(forbidden.getAccessToken()).rejects.toMatchObject({
      code: 'OAUTH_CREDENTIALS_REJECTED',
      error: 'account_locked',
      message: expect.stringContaining('rejected the credentials of "api@acme.com"'),
    });
  });
});

describe('quirks.defaultExpiresIn', () => {
  it('renews a token whose response gave no expires_in after the configured lifetime', async () => {
    let issued = 0;
    await start((_req, res) => {
      issued += 1;
      sendJson(res, 200, { access_token: `t${issued}`, token_type: 'Bearer' });
    });
    const client = passwordClient({ defaultExpiresIn: 3600 });

    expect(await client.getAccessToken()).toBe('t1');
    vi.setSystemTime(Date.now() + (3600 - 61) * 1000);
    expect(await client.getAccessToken()).toBe('t1');
    vi.setSystemTime(Date.now() + 2000);
    expect(await client.getAccessToken()).toBe('t2');
  });

  it('keeps such a token until it is refused when no lifetime is configured', async () => {
    let issued = 0;
    await start((_req, res) => {
      issued += 1;
      sendJson(res, 200, { access_token: `t${issued}`, token_type: 'Bearer' });
    });
    const client = passwordClient();

    expect(await client.getAccessToken()).toBe('t1');
    vi.setSystemTime(Date.now() + 30 * 86_400_000);
    expect(await client.getAccessToken()).toBe('t1');
    expect(log).toHaveLength(1);
  });
});
