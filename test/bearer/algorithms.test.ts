// requireBearer() accepts only the signature algorithms the provider advertises and its
// configuration allows, as sign-in does for ID tokens: an RS256 token signed by a key the
// provider publishes is refused by a provider that advertises only ES256, and by one whose
// profile ('fapi2': PS256 and ES256) does not allow RS256.
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRefused, signAccessToken, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

const ps256ClientKey = {
  key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string,
  alg: 'PS256' as const,
};

/** The FAPI 2.0 profile's client settings, against the plain-http scripted provider. */
const FAPI2 = {
  profile: 'fapi2',
  allowLoopbackHttpInTests: true,
  clientSecret: undefined,
  clientPrivateKey: ps256ClientKey,
  dpop: true,
};

describe('requireBearer() signature algorithms', () => {
  let s: BearerSetup | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const call = async (setup: BearerSetup) =>
    request(setup.app.url)
      .get('/api/data')
      .set('Authorization', `Bearer ${await signAccessToken(setup.provider)}`);

  it('accepts an RS256 token signed by a published key when the provider advertises RS256', async () => {
    s = await startBearerApp();
    s.provider.script.discovery = { set: { id_token_signing_alg_values_supported: ['RS256'] } };
    expect((await call(s)).status).toBe(200);
  });

  it('refuses an RS256 token signed by a published key when the provider advertises only ES256', async () => {
    s = await startBearerApp();
    s.provider.script.discovery = { set: { id_token_signing_alg_values_supported: ['ES256'] } };
    expectRefused(await call(s), {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      message: /"alg" .*not allowed/,
    });
  });

  it("refuses an RS256 token signed by a published key when the provider's profile allows only PS256 and ES256", async () => {
    s = await startBearerApp({}, FAPI2);
    expectRefused(await call(s), {
      status: 401,
      code: 'OAUTH_INVALID_TOKEN',
      message: /"alg" .*not allowed/,
    });
  });
});
