import { afterEach, describe, expect, it } from 'vitest';
import {
  startAlgoregSimulator,
  type AlgoregSimulator,
  type AlgoregSimulatorOptions,
} from '../../simulators/algoreg.js';

let sim: AlgoregSimulator;

afterEach(async () => {
  await sim.close();
});

async function start(options: AlgoregSimulatorOptions = {}): Promise<AlgoregSimulator> {
  sim = await startAlgoregSimulator(options);
  return sim;
}

/** Exactly the document's request: a JSON string body and no Content-Type of its own. */
function requestToken(password = sim.user.password, username = sim.user.email): Promise<Response> {
  return fetch(sim.tokenEndpoint, {
    method: 'POST',
    body: JSON.stringify({ grant_type: 'password', username, password }),
  });
}

function basic(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
}

function me(authorization: string): Promise<Response> {
  return fetch(sim.meEndpoint, { headers: { Authorization: authorization } });
}

async function token(): Promise<string> {
  const res = await requestToken();
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('Algoreg simulator', () => {
  it('issues a one-hour Bearer token for a JSON password grant sent as text/plain', async () => {
    await start();
    const res = await requestToken();
    expect(res.status).toBe(200);
    expect(sim.requests[0]?.headers['content-type']).toMatch(/^text\/plain/);
    expect(await res.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(sim.tokenRequests).toBe(1);
  });

  it('answers the API with the Bearer token', async () => {
    await start();
    const res = await me(`Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: sim.user.id,
      email: sim.user.email,
      name: sim.user.name,
      roles: sim.user.roles,
    });
  });

  it('answers the API with HTTP Basic email and password (the documented example header)', async () => {
    await start();
    expect(basic('api@acme.com', 'my_password')).toBe('Basic YXBpQGFjbWUuY29tOm15X3Bhc3N3b3Jk');
    const res = await me(basic(sim.user.email, sim.user.password));
    expect(res.status).toBe(200);
    expect(sim.tokenRequests).toBe(0);
  });

  it('also accepts the JSON body with Content-Type application/json', async () => {
    await start();
    const res = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'password',
        username: sim.user.email,
        password: sim.user.password,
      }),
    });
    expect(res.status).toBe(200);
  });

  it('rejects a form-encoded body and other grant types', async () => {
    await start();
    const form = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'a', password: 'b' }),
    });
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ error: 'invalid_request' });
    const other = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(await other.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('rejects a wrong password with invalid_grant and counts it', async () => {
    await start();
    const res = await requestToken('wrong');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(sim.failedAttempts).toBe(1);
    expect(sim.consecutiveFailures(sim.user.email)).toBe(1);
  });

  it('locks the account after 5 consecutive wrong passwords; then the right one fails too', async () => {
    await start();
    for (let i = 0; i < 4; i += 1) expect((await requestToken('wrong')).status).toBe(400);
    expect(sim.isLocked(sim.user.email)).toBe(false);
    expect((await requestToken('wrong')).status).toBe(400);
    expect(sim.isLocked(sim.user.email)).toBe(true);

    const right = await requestToken();
    expect(right.status).toBe(403);
    expect(await right.json()).toMatchObject({ error: 'account_locked' });
    expect((await me(basic(sim.user.email, sim.user.password))).status).toBe(403);
    expect(sim.failedAttempts).toBe(5);
    expect(sim.tokenRequests).toBe(6);

    sim.unlock(sim.user.email);
    expect((await requestToken()).status).toBe(200);
  });

  it('counts wrong Basic passwords towards the lock-out', async () => {
    await start({ maxFailedAttempts: 3 });
    for (let i = 0; i < 3; i += 1) {
      const res = await me(basic(sim.user.email, 'wrong'));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_credentials' });
    }
    expect(sim.isLocked(sim.user.email)).toBe(true);
    expect(await (await requestToken()).json()).toMatchObject({ error: 'account_locked' });
  });

  it('resets the streak after a success', async () => {
    await start();
    for (let i = 0; i < 4; i += 1) await requestToken('wrong');
    await token();
    for (let i = 0; i < 4; i += 1) await requestToken('wrong');
    expect(sim.isLocked(sim.user.email)).toBe(false);
    expect(sim.consecutiveFailures(sim.user.email)).toBe(4);
    expect(sim.failedAttempts).toBe(8);
  });

  it('stops tokens of a locked account', async () => {
    await start();
    const bearer = `Bearer ${await token()}`;
    sim.lock(sim.user.email);
    expect((await me(bearer)).status).toBe(403);
  });

  it('does not lock anything for an unknown user', async () => {
    await start();
    const res = await requestToken('x', 'nobody@acme.com');
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(sim.failedAttempts).toBe(0);
  });

  it('expires tokens after one hour', async () => {
    let clock = Date.UTC(2025, 0, 1);
    await start({ now: () => clock });
    const bearer = `Bearer ${await token()}`;
    clock += 3599_000;
    expect((await me(bearer)).status).toBe(200);
    clock += 1_000;
    const res = await me(bearer);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('expires tokens on demand', async () => {
    await start();
    const bearer = `Bearer ${await token()}`;
    sim.expireTokens();
    expect((await me(bearer)).status).toBe(401);
    expect((await me(`Bearer ${await token()}`)).status).toBe(200);
  });

  it('asks for credentials when none are sent', async () => {
    await start();
    const res = await fetch(sim.meEndpoint);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Basic');
  });
});
