// A hostile provider forges or bends the ID token of an otherwise honest code exchange. Every
// forgery must be refused with OAUTH_ID_TOKEN_INVALID; the positive controls prove the checks do
// not refuse what OpenID Connect Core allows.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTestApp } from '../helpers/app.js';
import { browser } from '../helpers/login.js';
import {
  attemptLogin,
  epoch,
  expectRefused,
  oauthFor,
  signIn,
  startHostile,
} from './hostile-harness.js';
import type { Hostile } from './hostile-harness.js';
import type { IdTokenScript } from '../helpers/scripted-provider.js';

const INVALID = { status: 502, code: 'OAUTH_ID_TOKEN_INVALID' };

let h: Hostile;

beforeAll(async () => {
  h = await startHostile();
});
afterAll(() => h.close());
beforeEach(() => h.provider.reset());

function forge(idToken: IdTokenScript): () => void {
  return () => {
    h.provider.script.token = { idToken };
  };
}

/** An honest login with this ID token must still succeed. */
async function expectAccepted(idToken: IdTokenScript): Promise<void> {
  h.provider.script.token = { idToken };
  const agent = browser(h.app.url);
  const response = await attemptLogin(h, agent);
  expect(response.status, response.text).toBe(303);
  expect((await agent.get('/me').expect(200)).body.sub).toBe(h.provider.subject);
}

describe('ID token signature', () => {
  it('refuses an ID token signed with a key that is not in the JWKS', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ key: 'foreign' }) });
  });

  it('accepts that same token only when verifyIdTokenSignature is false, proving the check is what refuses it', async () => {
    await withTestApp(
      { oauth: oauthFor(h.provider, { verifyIdTokenSignature: false }) },
      async (lax) => {
        h.provider.script.token = { idToken: { key: 'foreign' } };
        const agent = browser(lax.url);
        expect((await attemptLogin(h, agent)).status).toBe(303);
        await agent.get('/me').expect(200);
      },
    );
  });

  it('refuses an unsigned ID token (alg: none)', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ key: 'none' }) });
  });

  it('refuses an ID token HMAC-signed with the client secret (HS256 algorithm confusion)', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ key: 'hs256' }) });
  });

  it('refuses an ID token whose kid is in no published key', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ header: { kid: 'unknown-kid' } }) });
  });

  it('refuses an ID token with an unknown critical header extension', async () => {
    await expectRefused(h, INVALID, {
      arrange: forge({
        header: { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true },
      }),
    });
  });

  it('refuses an id_token that is not a JWT at all', async () => {
    await expectRefused(h, INVALID, {
      arrange: () => {
        h.provider.script.token = { set: { id_token: 'not-a-jwt' } };
      },
    });
  });

  it('accepts a kid-less ID token when the JWKS holds a single key (control)', async () => {
    await expectAccepted({ header: { kid: undefined } });
  });
});

describe('ID token issuer and audience', () => {
  it('refuses an ID token from another issuer', async () => {
    await expectRefused(h, INVALID, {
      arrange: forge({ claims: { iss: 'https://evil.example' } }),
    });
  });

  it('refuses an ID token without iss', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { iss: undefined } }) });
  });

  it('refuses an ID token for another audience', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { aud: 'other-client' } }) });
  });

  it('refuses an ID token without aud', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { aud: undefined } }) });
  });

  it('refuses an ID token with an extra untrusted audience and no azp', async () => {
    await expectRefused(h, INVALID, {
      arrange: forge({ claims: { aud: [h.provider.clientId, 'other-client'] } }),
    });
  });

  it('refuses an ID token with an extra audience whose azp names the other client', async () => {
    await expectRefused(h, INVALID, {
      arrange: forge({
        claims: { aud: [h.provider.clientId, 'other-client'], azp: 'other-client' },
      }),
    });
  });

  it('accepts aud as a one-element array (control)', async () => {
    await expectAccepted({ claims: { aud: [h.provider.clientId] } });
  });

  it('accepts aud [client, other] when azp names this client (control)', async () => {
    await expectAccepted({
      claims: { aud: [h.provider.clientId, 'other-client'], azp: h.provider.clientId },
    });
  });
});

describe('ID token timestamps', () => {
  it('refuses an ID token that expired beyond the 60 s clock tolerance', async () => {
    const now = epoch();
    await expectRefused(h, INVALID, {
      arrange: forge({ claims: { iat: now - 300, exp: now - 120 } }),
    });
  });

  it('accepts an ID token that expired within the 60 s clock tolerance (control)', async () => {
    const now = epoch();
    await expectAccepted({ claims: { iat: now - 60, exp: now - 20 } });
  });

  it('refuses an ID token without exp', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { exp: undefined } }) });
  });

  it('refuses an ID token issued far in the future', async () => {
    const now = epoch();
    await expectRefused(h, INVALID, {
      arrange: forge({ claims: { iat: now + 3600, exp: now + 7200 } }),
    });
  });

  it.each([1800, 2 * 86_400])(
    'refuses an ID token issued %i s ago although unexpired (idTokenMaxAge is 600 s)',
    async (age) => {
      const now = epoch();
      await expectRefused(h, INVALID, {
        arrange: forge({ claims: { iat: now - age, exp: now + 600 } }),
      });
    },
  );

  it('refuses an ID token without iat', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { iat: undefined } }) });
  });

  it('refuses an ID token not valid before an hour from now (nbf)', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { nbf: epoch() + 3600 } }) });
  });
});

describe('ID token nonce and subject', () => {
  it('refuses an ID token with another nonce', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { nonce: 'replayed-nonce' } }) });
  });

  it('refuses an ID token without nonce', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { nonce: undefined } }) });
  });

  it('refuses an ID token without sub', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { sub: undefined } }) });
  });

  it('refuses an ID token whose sub is not a string', async () => {
    await expectRefused(h, INVALID, { arrange: forge({ claims: { sub: 42 } }) });
  });
});

describe('ID tokens and a JWKS with several keys', () => {
  let multi: Hostile;

  beforeAll(async () => {
    multi = await startHostile({ provider: { keyCount: 2 } });
  });
  afterAll(() => multi.close());
  beforeEach(() => multi.provider.reset());

  it('refuses a kid-less ID token when the JWKS holds several keys', async () => {
    await expectRefused(multi, INVALID, {
      arrange: () => {
        multi.provider.script.token = { idToken: { header: { kid: undefined } } };
      },
    });
  });

  it('refuses an ID token signed by one published key but naming the other', async () => {
    await expectRefused(multi, INVALID, {
      arrange: () => {
        multi.provider.script.token = { idToken: { key: 1, header: { kid: multi.provider.kid } } };
      },
    });
  });

  it('accepts an ID token signed by the second published key with its own kid (control)', async () => {
    multi.provider.script.token = { idToken: { key: 1 } };
    const agent = browser(multi.app.url);
    expect((await attemptLogin(multi, agent)).status).toBe(303);
    await agent.get('/me').expect(200);
  });
});

describe('ID tokens after the provider rotated its keys', () => {
  let rotating: Hostile;

  beforeAll(async () => {
    rotating = await startHostile();
  });
  afterAll(() => rotating.close());

  it('fetches the JWKS again for an unknown kid after a rotation, and signs the user in', async () => {
    await signIn(rotating);
    const before = rotating.provider.count('/jwks');
    const kid = await rotating.provider.rotateKeys();
    const agent = browser(rotating.app.url);
    const response = await attemptLogin(rotating, agent);
    expect({ status: response.status, code: response.body.code as unknown }).toEqual({
      status: 303,
      code: undefined,
    });
    expect(rotating.provider.count('/jwks')).toBeGreaterThan(before);
    expect(rotating.provider.jwks().keys.map((key) => key.kid)).toEqual([kid]);
    await agent.get('/me').expect(200);
  });
});
