import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAlpacaSimulator, type AlpacaSimulator } from '../../simulators/alpaca.js';

const CALLBACK = 'http://127.0.0.1:4000/auth/alpaca/callback';
let sim: AlpacaSimulator;

beforeEach(async () => {
  sim = await startAlpacaSimulator();
  sim.addRedirectUri(CALLBACK);
});

afterEach(async () => {
  await sim.close();
});

function authorizeUrl(params: Record<string, string | undefined> = {}): string {
  const url = new URL(sim.authorizationEndpoint);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: sim.client.clientId,
    redirect_uri: CALLBACK,
    state: 'SOMETHING_RANDOM',
    scope: 'account:write trading',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

function exchange(
  fields: Record<string, string>,
  host = sim.liveApiUrl,
  init: RequestInit = {},
): Promise<Response> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: sim.client.clientId,
    client_secret: sim.client.clientSecret,
    redirect_uri: CALLBACK,
    ...fields,
  });
  return fetch(`${host}/oauth/token`, { method: 'POST', body, ...init });
}

async function codeFor(params: Record<string, string | undefined> = {}): Promise<string> {
  const back = await sim.approve(authorizeUrl(params));
  return back.searchParams.get('code')!;
}

function account(host: string, token: string): Promise<Response> {
  return fetch(`${host}/v2/account`, { headers: { Authorization: `Bearer ${token}` } });
}

describe('Alpaca simulator', () => {
  it('runs the code flow and answers a lower-case bearer token without expiry or refresh', async () => {
    const back = await sim.approve(authorizeUrl());
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('SOMETHING_RANDOM');

    const res = await exchange({ code: back.searchParams.get('code')! });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      scope: 'account:write trading',
    });
    expect(sim.requests.at(-1)).toMatchObject({ server: 'live', method: 'POST' });
  });

  it('answers the live account on the live host and the paper account on the paper host', async () => {
    const res = await exchange({ code: await codeFor() });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const live = await account(sim.liveApiUrl, token);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual(sim.user.live);
    const paper = await account(sim.paperApiUrl, token);
    expect(await paper.json()).toEqual(sim.user.paper);
    expect(sim.count('/v2/account', 'live')).toBe(1);
    expect(sim.count('/v2/account', 'paper')).toBe(1);
  });

  it('exchanges codes on the paper host too', async () => {
    const res = await exchange({ code: await codeFor() }, sim.paperApiUrl);
    expect(res.status).toBe(200);
    expect(sim.count('/oauth/token', 'paper')).toBe(1);
  });

  it('always echoes the state, exactly', async () => {
    const state = 'a b+c/d=é&x';
    const back = await sim.approve(authorizeUrl({ state }));
    expect(back.searchParams.get('state')).toBe(state);
  });

  it('omits state when none was sent', async () => {
    const back = await sim.approve(authorizeUrl({ state: undefined }));
    expect(back.searchParams.has('state')).toBe(false);
    expect(back.searchParams.get('code')).toBeTruthy();
  });

  it('redirects back with invalid_scope and the state for a scope not in the list', async () => {
    const back = await sim.approve(authorizeUrl({ scope: 'account:write admin', state: 's1' }));
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('state')).toBe('s1');
  });

  it('accepts the data scope and grants read-only access when no scope is sent', async () => {
    const withData = await exchange({ code: await codeFor({ scope: 'data' }) });
    expect(await withData.json()).toMatchObject({ scope: 'data' });
    const noScope = await exchange({ code: await codeFor({ scope: undefined }) });
    expect(await noScope.json()).toMatchObject({ scope: '' });
  });

  it('shows an error page instead of redirecting for an unknown client or redirect_uri', async () => {
    const client = await fetch(authorizeUrl({ client_id: 'nope' }), { redirect: 'manual' });
    expect(client.status).toBe(400);
    const redirect = await fetch(authorizeUrl({ redirect_uri: `${CALLBACK}/` }), {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(400);
    expect(redirect.headers.get('location')).toBeNull();
  });

  it('redirects a denial with access_denied and the state', async () => {
    const back = await sim.approve(authorizeUrl({ state: 'd' }), { deny: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('d');
  });

  it('rejects a JSON token request', async () => {
    const res = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: await codeFor() }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('rejects a wrong client secret with invalid_client', async () => {
    const res = await exchange({ code: await codeFor(), client_secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('requires grant_type=authorization_code', async () => {
    const res = await exchange({ code: await codeFor(), grant_type: 'refresh_token' });
    expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('rejects a redirect_uri different from the authorization request', async () => {
    const res = await exchange({ code: await codeFor(), redirect_uri: 'http://127.0.0.1/other' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('accepts a code once', async () => {
    const code = await codeFor();
    expect((await exchange({ code })).status).toBe(200);
    const replay = await exchange({ code });
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('rejects the next code on demand', async () => {
    sim.rejectNextCode();
    expect(await (await exchange({ code: await codeFor() })).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await exchange({ code: await codeFor() })).status).toBe(200);
  });

  it('answers the account endpoint 401 without a valid token, or after revocation', async () => {
    const none = await fetch(`${sim.liveApiUrl}/v2/account`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 40110000, message: 'request is not authorized' });

    const { access_token: token } = (await (await exchange({ code: await codeFor() })).json()) as {
      access_token: string;
    };
    sim.revokeTokens();
    expect((await account(sim.liveApiUrl, token)).status).toBe(401);
  });
});
