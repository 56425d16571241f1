// Sign-in and requireBearer() check signatures against one key set per provider: one JWKS fetch
// serves both, and a rotation sign-in follows at once is seen by the API without another fetch,
// while a token naming an unknown kid still cannot make the API fetch during the cool-down.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize } from '../helpers/scripted-provider.js';
import { signAccessToken, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

describe('sign-in and requireBearer() share the key set', () => {
  let s: BearerSetup;
  beforeEach(async () => {
    s = await startBearerApp();
  });
  afterEach(() => s.close());

  /** A complete sign-in through the real routes: the ID token's signature is checked. */
  async function signIn(): Promise<void> {
    const agent = browser(s.app.url);
    const callback = await authorize(s.provider, await startLogin(agent));
    await agent.get(pathOf(callback)).expect(303);
    await agent.get('/me').expect(200);
  }

  const callApi = async (token: string) =>
    (await request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`)).status;

  it('fetches the JWKS once for a sign-in and then a bearer check', async () => {
    await signIn();
    expect(s.provider.count('/jwks')).toBe(1);
    expect(await callApi(await signAccessToken(s.provider))).toBe(200);
    expect(s.provider.count('/jwks')).toBe(1);
  });

  it('fetches the JWKS once for a bearer check and then a sign-in', async () => {
    expect(await callApi(await signAccessToken(s.provider))).toBe(200);
    expect(s.provider.count('/jwks')).toBe(1);
    await signIn();
    expect(s.provider.count('/jwks')).toBe(1);
  });

  it('lets the API use the keys a sign-in refetched after a rotation, without fetching again', async () => {
    await signIn();
    await s.provider.rotateKeys();
    // Just fetched: a token naming the new kid cannot make the API fetch the JWKS again yet.
    expect(await callApi(await signAccessToken(s.provider))).toBe(401);
    expect(s.provider.count('/jwks')).toBe(1);
    // An ID token comes only from the provider: sign-in refetches at once, cool-down or not.
    await signIn();
    expect(s.provider.count('/jwks')).toBe(2);
    expect(await callApi(await signAccessToken(s.provider))).toBe(200);
    expect(s.provider.count('/jwks')).toBe(2);
  });
});
