// Attacks on the redirect back to the application: forged, replayed, smuggled, malformed and
// mixed-up callbacks. None may sign anyone in, sign anyone out, or reach the token endpoint.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize } from '../helpers/scripted-provider.js';
import {
  expectRefusal,
  expectRefused,
  expectSignedOut,
  expectUntouched,
  pendingCallback,
  signIn,
  startHostile,
  storedSession,
} from './hostile-harness.js';
import type { Agent, Hostile, Response } from './hostile-harness.js';

let h: Hostile;

beforeAll(async () => {
  h = await startHostile();
});
afterAll(() => h.close());
beforeEach(() => h.provider.reset());
afterEach(() => {
  vi.useRealTimers();
});

/** A callback path for a login started in another browser (the attacker's). */
async function attackersCallback(): Promise<string> {
  return pendingCallback(h, browser(h.app.url));
}

/** The agent's own pending callback with its query rewritten; asserts no token request was made. */
function tampered(rewrite: (query: string) => string): (agent: Agent) => Promise<Response> {
  return async (agent) => {
    const callback = await pendingCallback(h, agent);
    const [path, query = ''] = callback.split('?');
    const tokenRequests = h.provider.count('/token');
    const response = await agent.get(`${path}?${rewrite(query)}`);
    expect(h.provider.count('/token')).toBe(tokenRequests);
    return response;
  };
}

describe('state and the login transaction', () => {
  it("refuses a callback carrying another browser's state while a login is pending here", async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_STATE_MISMATCH' },
      {
        attack: async (agent) => {
          await startLogin(agent); // this browser has a login of its own pending
          const callback = await attackersCallback();
          const tokenRequests = h.provider.count('/token');
          const response = await agent.get(callback);
          expect(h.provider.count('/token')).toBe(tokenRequests);
          return response;
        },
      },
    );
  });

  it("refuses another browser's callback, and its owner can still complete it", async () => {
    const owner = browser(h.app.url);
    const callback = await pendingCallback(h, owner);
    const victim = await signIn(h);
    const before = await storedSession(victim);
    expectRefusal(await victim.get(callback), { status: 400, code: 'OAUTH_NO_TRANSACTION' });
    await expectUntouched(victim, before);
    expect((await owner.get(callback)).status).toBe(303);
    await owner.get('/me').expect(200);
  });

  it('refuses a callback without state', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_STATE_MISSING' },
      { attack: tampered((q) => q.replace(/(^|&)state=[^&]*/, '')) },
    );
  });

  it('refuses a callback with an empty state', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_STATE_MISSING' },
      { attack: tampered((q) => q.replace(/(^|&)state=[^&]*/, '$1state=')) },
    );
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'refuses a state named after an Object.prototype member (%s)',
    async (state) => {
      await expectRefused(
        h,
        { status: 400, code: 'OAUTH_STATE_MISMATCH' },
        { attack: tampered((q) => q.replace(/(^|&)state=[^&]*/, `$1state=${state}`)) },
      );
    },
  );

  it('refuses a callback when no login is pending, without any token request (login CSRF)', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_NO_TRANSACTION' },
      {
        attack: async (agent) => {
          const callback = await attackersCallback();
          const tokenRequests = h.provider.count('/token');
          const response = await agent.get(callback);
          expect(h.provider.count('/token')).toBe(tokenRequests);
          return response;
        },
        newVictim: true,
      },
    );
  });

  it('refuses a replayed callback, without a second token request', async () => {
    const agent = browser(h.app.url);
    const callback = await pendingCallback(h, agent);
    expect((await agent.get(callback)).status).toBe(303);
    const before = await storedSession(agent);
    const tokenRequests = h.provider.count('/token');
    expectRefusal(await agent.get(callback), { status: 400, code: 'OAUTH_NO_TRANSACTION' });
    await expectUntouched(agent, before);
    const elsewhere = browser(h.app.url);
    expectRefusal(await elsewhere.get(callback), { status: 400, code: 'OAUTH_NO_TRANSACTION' });
    await expectSignedOut(elsewhere);
    expect(h.provider.count('/token')).toBe(tokenRequests);
  });

  it('refuses a callback that arrives after the transaction lifetime', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_TRANSACTION_EXPIRED' },
      {
        attack: async (agent) => {
          const callback = await pendingCallback(h, agent);
          const tokenRequests = h.provider.count('/token');
          vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
          try {
            return await agent.get(callback);
          } finally {
            vi.useRealTimers();
            expect(h.provider.count('/token')).toBe(tokenRequests);
          }
        },
      },
    );
  });
});

describe('error responses', () => {
  it('does not sign anyone out for an error response carrying a foreign state', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_NO_TRANSACTION' },
      {
        attack: (agent) => agent.get('/callback?error=access_denied&state=forged-state'),
        newVictim: true,
      },
    );
  });

  it.each(['access_denied', 'login_required'])(
    'does not sign anyone out for an error response (%s) with a foreign state while a login is pending',
    async (error) => {
      await expectRefused(
        h,
        { status: 400, code: 'OAUTH_STATE_MISMATCH' },
        {
          attack: async (agent) => {
            await startLogin(agent);
            return agent.get(`/callback?error=${error}&state=forged-state`);
          },
        },
      );
    },
  );

  it('refuses a callback carrying both error and code, without exchanging the code', async () => {
    await expectRefused(
      h,
      { status: 403, code: 'OAUTH_ACCESS_DENIED' },
      {
        arrange: () => {
          h.provider.script.authorize = { set: { error: 'access_denied' } };
        },
        attack: tampered((q) => q),
      },
    );
  });

  it('refuses a callback with neither code nor error, without blaming the provider', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_INVALID_CALLBACK' },
      { attack: tampered((q) => q.replace(/(^|&)code=[^&]*/, '')) },
    );
  });
});

describe('malformed and smuggled parameters', () => {
  it.each(['access_token', 'id_token', 'refresh_token', 'token', 'response'])(
    'refuses a callback carrying a front-channel %s',
    async (name) => {
      await expectRefused(
        h,
        { status: 400, code: 'OAUTH_INVALID_CALLBACK' },
        { attack: tampered((q) => `${q}&${name}=smuggled.token.value`) },
      );
    },
  );

  it.each([
    ['state=a&state=b', (q: string) => `${q}&state=other-state`],
    ['state given twice with the same value', (q: string) => `${q}&${/state=[^&]*/.exec(q)![0]}`],
    ['code=a&code=b', (q: string) => `${q}&code=other-code`],
    ['iss given twice', (q: string) => `${q}&iss=https%3A%2F%2Fevil.example`],
    ['state[]=a', (q: string) => q.replace(/(^|&)state=/, '$1state[]=')],
    ['state[]=x beside the real state', (q: string) => `${q}&state[]=x`],
    ['state[x]=a', (q: string) => q.replace(/(^|&)state=/, '$1state[x]=')],
    ['code[]=a', (q: string) => q.replace(/(^|&)code=/, '$1code[]=')],
    ['state%5B%5D=a (encoded brackets)', (q: string) => q.replace(/(^|&)state=/, '$1state%5B%5D=')],
  ])('refuses duplicated or bracketed parameters (%s)', async (_name, rewrite) => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_INVALID_CALLBACK' },
      { attack: tampered(rewrite) },
    );
  });

  it.each([
    [
      'an oversized state',
      (q: string) => q.replace(/(^|&)state=[^&]*/, `$1state=${'s'.repeat(5000)}`),
    ],
    [
      'an oversized code',
      (q: string) => q.replace(/(^|&)code=[^&]*/, `$1code=${'c'.repeat(5000)}`),
    ],
    [
      'too many parameters',
      (q: string) => `${q}&${Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&')}`,
    ],
  ])('refuses %s', async (_name, rewrite) => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_INVALID_CALLBACK' },
      { attack: tampered(rewrite) },
    );
  });

  it('refuses a POST to the callback (no form_post injection)', async () => {
    await expectRefused(
      h,
      { status: 405, code: 'OAUTH_METHOD_NOT_ALLOWED' },
      {
        attack: async (agent) => {
          const callback = new URL(await pendingCallback(h, agent), h.app.url);
          const tokenRequests = h.provider.count('/token');
          // The query stays in the URL and is sent as a form body too: neither makes a POST count.
          const response = await agent
            .post(`${callback.pathname}${callback.search}`)
            .type('form')
            .send(Object.fromEntries(callback.searchParams));
          expect(response.headers.allow).toBe('GET');
          expect(h.provider.count('/token')).toBe(tokenRequests);
          return response;
        },
      },
    );
  });
});

describe('spoofed host headers', () => {
  it.each([
    ['Host', { Host: 'evil.example' }],
    ['X-Forwarded-Host', { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' }],
  ])(
    'keeps the configured redirect_uri when the callback carries a spoofed %s',
    async (_name, headers) => {
      const agent = browser(h.app.url);
      const authorization = await startLogin(agent);
      const callback = pathOf(await authorize(h.provider, authorization));
      const response = await agent.get(callback).set(headers);
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/');
      expect(h.provider.last('/token')!.form!.get('redirect_uri')).toBe(`${h.app.url}/callback`);
      await agent.get('/me').expect(200);
    },
  );

  it('keeps the configured redirect_uri in the authorization request when /login carries a spoofed Host', async () => {
    const agent = browser(h.app.url);
    const response = await agent
      .get('/login')
      .set({ Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' })
      .expect(303);
    const authorization = new URL(response.headers.location as string);
    expect(authorization.origin).toBe(h.provider.issuer);
    expect(authorization.searchParams.get('redirect_uri')).toBe(`${h.app.url}/callback`);
  });
});

describe('RFC 9207 mix-up defence', () => {
  it('refuses an authorization response whose iss names another issuer, without a token request', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_ISSUER_MISMATCH' },
      {
        arrange: () => {
          h.provider.script.authorize = { set: { iss: 'https://attacker.example' } };
        },
        attack: tampered((q) => q),
      },
    );
  });

  it('refuses an iss that differs from the issuer only by a trailing slash', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_ISSUER_MISMATCH' },
      {
        arrange: () => {
          h.provider.script.authorize = { set: { iss: `${h.provider.issuer}/` } };
        },
        attack: tampered((q) => q),
      },
    );
  });

  it('refuses an authorization response without iss when the provider advertises it', async () => {
    await expectRefused(
      h,
      { status: 400, code: 'OAUTH_ISSUER_MISMATCH' },
      {
        arrange: () => {
          h.provider.script.authorize = { set: { iss: undefined } };
        },
        attack: tampered((q) => q),
      },
    );
  });
});
