// requireBearer()'s introspection reads the provider's answer through "maxResponseBytes": an
// answer over the limit is a clean 502 naming the endpoint and the limit, one of exactly the limit
// is read, and a failed introspection is not cached.
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../helpers/scripted-provider.js';
import { AUDIENCE, expectRefused, startBearerApp } from './harness.js';
import type { BearerSetup } from './harness.js';

const LIMIT = 8 * 1024;

/** `honest` with a `padding` member that makes its JSON exactly `size` bytes. */
function paddedTo(size: number, extra: JsonObject = {}): (honest: JsonObject) => string {
  return (honest) => {
    const answer = { ...honest, aud: AUDIENCE, ...extra, padding: '' };
    const bare = JSON.stringify(answer);
    return JSON.stringify({ ...answer, padding: 'x'.repeat(size - bare.length) });
  };
}

describe('requireBearer() and the size of introspection answers', () => {
  let s: BearerSetup;
  beforeAll(async () => {
    s = await startBearerApp({ introspection: { cacheMaxAge: 30 } }, { maxResponseBytes: LIMIT });
  });
  afterAll(() => s.close());
  beforeEach(() => s.provider.reset());

  const call = (token: string) =>
    request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`);

  it('refuses an answer one byte over the limit with 502, and asks again next time', async () => {
    s.provider.script.introspection = { body: paddedTo(LIMIT + 1) as never };
    expectRefused(await call('opaque-token-one'), {
      status: 502,
      code: 'OAUTH_INVALID_RESPONSE',
      message: new RegExp(`introspection response is larger than ${LIMIT} bytes`),
    });
    // The token is unknown to the provider: this answer, of exactly the limit, makes it active.
    const active = { active: true, sub: 'alice', scope: 'openid' };
    s.provider.script.introspection = { body: paddedTo(LIMIT, active) as never };
    const response = await call('opaque-token-one');
    expect(response.status, response.text.slice(0, 200)).toBe(200);
    expect(s.provider.count('/introspect')).toBe(2);
  });
});
