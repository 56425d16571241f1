import { afterEach, describe, expect, it } from 'vitest';
import {
  startGenericPhpSimulator,
  type GenericPhpSimulator,
  type GenericPhpSimulatorOptions,
} from '../../simulators/generic-php.js';

const CALLBACK = 'http://127.0.0.1:4000/callback';
let sim: GenericPhpSimulator;

afterEach(async () => {
  await sim.close();
});

async function start(options: GenericPhpSimulatorOptions = {}): Promise<GenericPhpSimulator> {
  sim = await startGenericPhpSimulator(options);
  sim.addRedirectUri(CALLBACK);
  return sim;
}

function authorizeUrl(params: Record<string, string | undefined> = {}): string {
  const url = new URL(sim.authorizationEndpoint);
  const all: Record<string, string | undefined> = {
    client_id: sim.client.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

async function codeFor(params: Record<string, string | undefined> = {}): Promise<string> {
  return (await sim.approve(authorizeUrl(params))).searchParams.get('code')!;
}

/** The document's request: code, client_id, client_secret, and nothing else. */
function exchange(fields: Record<string, string>): Promise<Response> {
  const body = new URLSearchParams({
    client_id: sim.client.clientId,
    client_secret: sim.client.clientSecret,
    ...fields,
  });
  return fetch(sim.tokenEndpoint, { method: 'POST', body });
}

function userinfo(token: string): Promise<Response> {
  return fetch(sim.userinfoEndpoint, { headers: { Authorization: `Bearer ${token}` } });
}

async function accessToken(): Promise<string> {
  const res = await exchange({ code: await codeFor() });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('generic PHP OAuth 2.0 simulator', () => {
  it('runs the flow without grant_type or redirect_uri at token.php', async () => {
    await start();
    const back = await sim.approve(authorizeUrl());
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    const res = await exchange({ code: back.searchParams.get('code')! });
    expect(res.status).toBe(200);
    expect(new URLSearchParams(sim.requests.at(-1)!.body).has('grant_type')).toBe(false);
    const body = (await res.json()) as { access_token: string };
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
    });

    const info = await userinfo(body.access_token);
    expect(await info.json()).toEqual({
      username: 'johndoe',
      email: 'john@example.com',
      full_name: 'John Doe',
    });
  });

  it('tolerates grant_type and redirect_uri when sent anyway', async () => {
    await start();
    const res = await exchange({
      code: await codeFor(),
      grant_type: 'authorization_code',
      redirect_uri: 'http://127.0.0.1:9/ignored',
    });
    expect(res.status).toBe(200);
  });

  it('echoes the state when sent, unless configured not to', async () => {
    await start();
    const back = await sim.approve(authorizeUrl({ state: 'xyz 1' }));
    expect(back.searchParams.get('state')).toBe('xyz 1');
    await sim.close();
    await start({ echoState: false });
    const dropped = await sim.approve(authorizeUrl({ state: 'xyz' }));
    expect(dropped.searchParams.has('state')).toBe(false);
    expect(dropped.searchParams.get('code')).toBeTruthy();
  });

  it('answers invalid_code for an unknown, replayed, rejected or foreign code', async () => {
    await start({
      clients: [
        { clientId: 'a', clientSecret: 'sa', redirectUris: [CALLBACK] },
        { clientId: 'b', clientSecret: 'sb', redirectUris: [CALLBACK] },
      ],
    });
    const unknown = await exchange({ code: 'nope' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'invalid_code',
      error_description: 'the authorization code is invalid or expired',
    });
    const code = await codeFor();
    expect((await exchange({ code })).status).toBe(200);
    expect(await (await exchange({ code })).json()).toMatchObject({ error: 'invalid_code' });
    sim.rejectNextCode();
    expect(await (await exchange({ code: await codeFor() })).json()).toMatchObject({
      error: 'invalid_code',
    });
    const foreign = await exchange({ code: await codeFor(), client_id: 'b', client_secret: 'sb' });
    expect(await foreign.json()).toMatchObject({ error: 'invalid_code' });
  });

  it('answers invalid_client 401 and invalid_request 400 as documented', async () => {
    await start();
    const client = await exchange({ code: await codeFor(), client_secret: 'wrong' });
    expect(client.status).toBe(401);
    expect(await client.json()).toMatchObject({ error: 'invalid_client' });
    const missing = await exchange({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('does not read a JSON token request, like $_POST', async () => {
    await start();
    const res = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code: await codeFor(),
        client_id: sim.client.clientId,
        client_secret: sim.client.clientSecret,
      }),
    });
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers authorize.php errors as JSON, without redirecting', async () => {
    await start();
    const redirect = await fetch(authorizeUrl({ redirect_uri: `${CALLBACK}/x` }), {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(400);
    expect(await redirect.json()).toMatchObject({ error: 'invalid_request' });
    const client = await fetch(authorizeUrl({ client_id: 'nope' }), { redirect: 'manual' });
    expect(client.status).toBe(401);
    expect(await client.json()).toMatchObject({ error: 'invalid_client' });
    const type = await fetch(authorizeUrl({ response_type: 'token' }), { redirect: 'manual' });
    expect(await type.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('redirects a denial with access_denied', async () => {
    await start();
    const back = await sim.approve(authorizeUrl({ state: 's' }), { deny: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('s');
  });

  it('rejects a missing, unknown or expired token at userinfo.php', async () => {
    let clock = Date.UTC(2025, 0, 1);
    await start({ now: () => clock });
    expect((await fetch(sim.userinfoEndpoint)).status).toBe(401);
    expect(await (await userinfo('nope')).json()).toMatchObject({ error: 'invalid_token' });
    const token = await accessToken();
    clock += 3599_000;
    expect((await userinfo(token)).status).toBe(200);
    clock += 1_000;
    expect((await userinfo(token)).status).toBe(401);
    const fresh = await accessToken();
    sim.expireTokens();
    expect((await userinfo(fresh)).status).toBe(401);
  });

  it('sends rate-limit headers and answers 429 with Retry-After once over the limit', async () => {
    let clock = Date.UTC(2025, 0, 1);
    await start({ now: () => clock, rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await fetch(sim.userinfoEndpoint);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    const resetAt = Number(first.headers.get('x-ratelimit-reset'));
    expect(resetAt).toBe(clock / 1000 + 60);
    await fetch(sim.userinfoEndpoint);

    clock += 20_000;
    const limited = await fetch(sim.userinfoEndpoint);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBe(resetAt);
    expect(await limited.json()).toMatchObject({ error: 'rate_limit_exceeded' });
    expect(sim.rateLimited).toBe(1);

    clock += 40_000;
    expect((await fetch(sim.userinfoEndpoint)).status).toBe(401);
  });

  it('forces a 429 on one endpoint on demand', async () => {
    await start();
    sim.forceRateLimit({ path: '/api/token.php', retryAfterSeconds: 7 });
    const code = await codeFor();
    const limited = await exchange({ code });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await exchange({ code })).status).toBe(200);
    expect(sim.count('/api/token.php')).toBe(2);
  });

  it('changes the limit at run time', async () => {
    await start();
    sim.setRateLimit(1);
    expect((await fetch(sim.userinfoEndpoint)).status).toBe(401);
    expect((await fetch(sim.userinfoEndpoint)).status).toBe(429);
  });
});
