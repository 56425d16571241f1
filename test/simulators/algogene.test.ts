import { afterEach, describe, expect, it } from 'vitest';
import {
  startAlgogeneSimulator,
  type AlgogeneSimulator,
  type AlgogeneSimulatorOptions,
} from '../../simulators/algogene.js';

const CALLBACK = 'https://rp.example/oauth/callback';
let sim: AlgogeneSimulator;

afterEach(async () => {
  await sim.close();
});

async function start(options: AlgogeneSimulatorOptions = {}): Promise<AlgogeneSimulator> {
  sim = await startAlgogeneSimulator(options);
  return sim;
}

function authorizationRequest(params: Record<string, string>): Promise<Response> {
  const url = new URL(sim.authorizationEndpoint);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  // ALGOGENE's sample sends this header on a GET; the simulator must not mind.
  return fetch(url, { headers: { 'Content-Type': 'application/json' } });
}

async function loginUrl(state = '123456', redirectUrl = CALLBACK): Promise<string> {
  const res = await authorizationRequest({
    user: sim.partner.user,
    api_key: sim.partner.apiKey,
    state,
    redirect_url: redirectUrl,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { url: string };
  return body.url;
}

function userinfo(token: string, partner = sim.partner): Promise<Response> {
  const url = new URL(sim.userinfoEndpoint);
  url.searchParams.set('user', partner.user);
  url.searchParams.set('api_key', partner.apiKey);
  url.searchParams.set('token', token);
  return fetch(url);
}

describe('ALGOGENE simulator', () => {
  it('returns a login URL, redirects back with the token and state, and answers the profile', async () => {
    await start();
    const url = await loginUrl('123456');
    expect(url.startsWith(`${sim.url}/`)).toBe(true);

    const back = await sim.approve(url);
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('123456');
    const token = back.searchParams.get('token');
    expect(token).toBeTruthy();
    expect(back.searchParams.has('code')).toBe(false);

    const res = await userinfo(token!);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      cid: sim.member.cid,
      name: sim.member.name,
      email: sim.member.email,
      profile_url: sim.member.profile_url,
      picture: sim.member.picture,
    });
    expect(sim.count('/rest/v1/oauth/userinfo')).toBe(1);
    expect(sim.requests.at(-1)?.query).toMatchObject({ user: sim.partner.user, token });
  });

  it('puts the token under the configured parameter name', async () => {
    await start({ tokenParam: 'access_token' });
    const back = await sim.approve(await loginUrl());
    expect(back.searchParams.has('token')).toBe(false);
    expect(back.searchParams.get('access_token')).toBe(sim.issuedTokens[0]);
  });

  it('keeps the query already in redirect_url', async () => {
    await start();
    const back = await sim.approve(await loginUrl('s1', `${CALLBACK}?provider=algogene`));
    expect(back.searchParams.get('provider')).toBe('algogene');
    expect(back.searchParams.get('state')).toBe('s1');
  });

  it('answers a wrong api key with a JSON error that has no url', async () => {
    await start();
    const res = await authorizationRequest({
      user: sim.partner.user,
      api_key: 'wrong',
      state: 's',
      redirect_url: CALLBACK,
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ status: false, res: 'Invalid user or api_key' });
    expect(body.url).toBeUndefined();
  });

  it('can send errors with HTTP 200, so only the body tells', async () => {
    await start({ errorsWithHttp200: true });
    const res = await authorizationRequest({
      user: 'nobody',
      api_key: 'x',
      redirect_url: CALLBACK,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: false, res: 'Invalid user or api_key' });
  });

  it('rejects a missing user or redirect_url with 400', async () => {
    await start();
    const noUser = await authorizationRequest({
      api_key: sim.partner.apiKey,
      redirect_url: CALLBACK,
    });
    expect(noUser.status).toBe(400);
    const noRedirect = await authorizationRequest({
      user: sim.partner.user,
      api_key: sim.partner.apiKey,
    });
    expect(noRedirect.status).toBe(400);
    expect(await noRedirect.json()).toMatchObject({ status: false });
  });

  it('redirects a denial back with error=access_denied and the state', async () => {
    await start();
    const back = await sim.approve(await loginUrl('abc'), { deny: true });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('abc');
    expect(back.searchParams.has('token')).toBe(false);
  });

  it('keeps the member on the login page after a wrong password', async () => {
    await start();
    await expect(sim.approve(await loginUrl(), { password: 'nope' })).rejects.toThrow(/401/);
  });

  it('spends a login URL once the login completes', async () => {
    await start();
    const url = await loginUrl();
    await sim.approve(url);
    await expect(sim.approve(url)).rejects.toThrow(/400/);
  });

  it('rejects userinfo with a wrong api key or another partner', async () => {
    await start({
      partners: [
        { user: 'p1', apiKey: 'k1' },
        { user: 'p2', apiKey: 'k2' },
      ],
    });
    const token = (await sim.approve(await loginUrl())).searchParams.get('token')!;
    const wrongKey = await userinfo(token, { user: 'p1', apiKey: 'bad' });
    expect(wrongKey.status).toBe(401);
    const otherPartner = await userinfo(token, { user: 'p2', apiKey: 'k2' });
    expect(otherPartner.status).toBe(401);
    expect(await otherPartner.json()).toEqual({ status: false, res: 'Invalid or expired token' });
  });

  it('expires tokens after the configured lifetime', async () => {
    let clock = Date.UTC(2025, 0, 1);
    await start({ now: () => clock, tokenLifetimeSeconds: 60 });
    const token = (await sim.approve(await loginUrl())).searchParams.get('token')!;
    clock += 59_000;
    expect((await userinfo(token)).status).toBe(200);
    clock += 1_000;
    const expired = await userinfo(token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ status: false, res: 'Invalid or expired token' });
  });

  it('expires tokens on demand', async () => {
    await start();
    const token = (await sim.approve(await loginUrl())).searchParams.get('token')!;
    sim.expireTokens();
    expect((await userinfo(token)).status).toBe(401);
  });
});
