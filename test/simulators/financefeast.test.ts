import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startFinancefeastSimulator,
  type FinancefeastSimulator,
  type FinancefeastSimulatorOptions,
} from '../../simulators/financefeast.js';

const CALLBACK = 'http://127.0.0.1:4000/oauth/callback';
let sim: FinancefeastSimulator;

afterEach(async () => {
  await sim.close();
});

async function start(options: FinancefeastSimulatorOptions = {}): Promise<FinancefeastSimulator> {
  sim = await startFinancefeastSimulator(options);
  sim.addRedirectUri(CALLBACK);
  return sim;
}

function authorizeUrl(params: Record<string, string | undefined> = {}): string {
  const url = new URL(sim.authorizationEndpoint);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: sim.client.clientId,
    redirect_uri: CALLBACK,
    scope: 'openid profile plan',
    state: 'Pxx5fVv8sMue8eymdg1hhCtkvERe0Z',
    nonce: '0jUUjAJskDY4ivq5CgvY',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

async function codeFor(params: Record<string, string | undefined> = {}): Promise<string> {
  return (await sim.approve(authorizeUrl(params))).searchParams.get('code')!;
}

function exchange(fields: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: sim.client.clientId,
    client_secret: sim.client.clientSecret,
    redirect_uri: CALLBACK,
    ...fields,
  });
  return fetch(sim.tokenEndpoint, { method: 'POST', body, ...init });
}

interface TokenBody {
  access_token: string;
  expires_in: number;
  expires_at: number;
  scope: string;
  token_type: string;
  id_token?: string;
  refresh_token?: string;
}

async function tokens(params: Record<string, string | undefined> = {}): Promise<TokenBody> {
  const res = await exchange({ code: await codeFor(params) });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenBody;
}

function eod(token: string): Promise<Response> {
  return fetch(`${sim.url}/data/eod?ticker=air.nz`, {
    headers: { Authorization: `Bearer ${token}` },
  });
}

describe('Financefeast simulator', () => {
  it('serves discovery and a JWKS', async () => {
    await start();
    const discovery = (await (await fetch(sim.discoveryEndpoint)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: sim.issuer,
      authorization_endpoint: sim.authorizationEndpoint,
      token_endpoint: sim.tokenEndpoint,
      jwks_uri: sim.jwksUri,
      scopes_supported: ['openid', 'profile', 'plan'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = (await (await fetch(sim.jwksUri)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys[0]?.kid).toBe(sim.jwks.keys[0]?.kid);
  });

  it('runs the OIDC code flow with state and nonce and signs an RS256 ID token', async () => {
    let clock = Date.UTC(2021, 4, 11, 22, 8, 1);
    await start({ now: () => clock });
    const back = await sim.approve(authorizeUrl());
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('Pxx5fVv8sMue8eymdg1hhCtkvERe0Z');

    clock += 1_000;
    const res = await exchange({ code: back.searchParams.get('code')! });
    const body = (await res.json()) as TokenBody;
    const nowSeconds = Math.floor(clock / 1000);
    expect(body).toMatchObject({
      expires_in: 864000,
      expires_at: nowSeconds + 864000,
      scope: 'openid profile plan',
      token_type: 'Bearer',
    });
    expect(body.refresh_token).toBeUndefined();

    const { payload, protectedHeader } = await jwtVerify(
      body.id_token!,
      createRemoteJWKSet(new URL(sim.jwksUri)),
      { issuer: sim.issuer, audience: sim.client.clientId, currentDate: new Date(clock) },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: sim.user.sub,
      nonce: '0jUUjAJskDY4ivq5CgvY',
      email: sim.user.email,
      plan: sim.user.plan,
    });
    expect(payload.name).toBeUndefined();

    const info = await fetch(sim.userinfoEndpoint, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(await info.json()).toEqual({
      sub: sim.user.sub,
      email: sim.user.email,
      plan: sim.user.plan,
    });
  });

  it('reads the nonce under the table spelling "nounce" too', async () => {
    await start();
    const body = await tokens({ nonce: undefined, nounce: 'from-the-table' });
    expect(decodeJwt(body.id_token!).nonce).toBe('from-the-table');
  });

  it('matches the redirect_uri exactly against the whitelist', async () => {
    await start();
    for (const almost of [
      `${CALLBACK}/`,
      `${CALLBACK}?x=1`,
      CALLBACK.replace('127.0.0.1', 'localhost'),
      CALLBACK.toUpperCase(),
    ]) {
      const res = await fetch(authorizeUrl({ redirect_uri: almost }), { redirect: 'manual' });
      expect(res.status, almost).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    const ok = await fetch(authorizeUrl(), { redirect: 'manual' });
    expect(ok.status).toBe(200);
  });

  it('redirects back with invalid_scope and the state for an unknown scope', async () => {
    await start();
    const back = await sim.approve(authorizeUrl({ scope: 'openid email', state: 'st' }));
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect(back.searchParams.get('state')).toBe('st');
  });

  it('gives profile as the email only, and no ID token without openid', async () => {
    await start();
    const body = await tokens({ scope: 'profile' });
    expect(body.id_token).toBeUndefined();
    const info = await fetch(sim.userinfoEndpoint, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(await info.json()).toEqual({ sub: sim.user.sub, email: sim.user.email });
  });

  it('can answer like the document example, without an id_token', async () => {
    await start({ issueIdToken: false });
    expect((await tokens()).id_token).toBeUndefined();
  });

  it('accepts only client_secret_post with a form-encoded body', async () => {
    await start();
    const basic = await exchange(
      { code: await codeFor() },
      { headers: { Authorization: `Basic ${btoa(`${sim.client.clientId}:x`)}` } },
    );
    expect(basic.status).toBe(401);
    expect(await basic.json()).toMatchObject({ error: 'invalid_client' });
    const json = await fetch(sim.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: await codeFor() }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('requires redirect_uri at the token endpoint, equal to the authorization one', async () => {
    await start();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: await codeFor(),
      client_id: sim.client.clientId,
      client_secret: sim.client.clientSecret,
    });
    const missing = await fetch(sim.tokenEndpoint, { method: 'POST', body });
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    const other = await exchange({ code: await codeFor(), redirect_uri: `${CALLBACK}/` });
    expect(await other.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('offers no refresh grant and accepts a code once', async () => {
    await start();
    const refresh = await exchange({ grant_type: 'refresh_token', refresh_token: 'x' });
    expect(await refresh.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const code = await codeFor();
    expect((await exchange({ code })).status).toBe(200);
    expect(await (await exchange({ code })).json()).toMatchObject({ error: 'invalid_grant' });
    sim.rejectNextCode();
    expect(await (await exchange({ code: await codeFor() })).json()).toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('expires the access token at expires_at, 10 days later', async () => {
    let clock = Date.UTC(2021, 4, 11, 22, 8, 1, 500);
    await start({ now: () => clock });
    const body = await tokens();
    clock = body.expires_at * 1000 - 1;
    expect((await eod(body.access_token)).status).toBe(200);
    clock = body.expires_at * 1000;
    const expired = await eod(body.access_token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('expires tokens on demand and overrides the next ID token claims', async () => {
    await start();
    sim.overrideNextIdToken({ nonce: 'tampered' });
    const body = await tokens();
    expect(decodeJwt(body.id_token!).nonce).toBe('tampered');
    expect(decodeJwt((await tokens()).id_token!).nonce).toBe('0jUUjAJskDY4ivq5CgvY');
    sim.expireTokens();
    expect((await eod(body.access_token)).status).toBe(401);
  });

  it('redirects a denial with access_denied and the state', async () => {
    await start();
    const back = await sim.approve(authorizeUrl({ state: 'deny-me' }), { deny: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('deny-me');
  });
});
