// The provider's metadata and keys: a metadata document that names another issuer or sends the
// middleware over plain http, and discovery or JWKS outages at start-up and at run time. No
// crash, 503/504 while the provider is down, and recovery without restarting the app.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { browser } from '../helpers/login.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { EndpointScript, JsonObject, ScriptedProvider } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  expectRefusal,
  expectRefused,
  expectSignedOut,
  expectUntouched,
  HOSTILE_TIMEOUT,
  oauthFor,
  pendingCallback,
  signIn,
  storedSession,
} from './hostile-harness.js';
import type { Hostile } from './hostile-harness.js';

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider();
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

/** For the outage tests: a hanging provider is given up on after the hostile tests' timeout. */
const SHORT_TIMEOUT = HOSTILE_TIMEOUT;

/** A new app (nothing discovered, no JWKS cached yet) against the shared provider. */
async function freshApp(extra: Record<string, unknown> = {}): Promise<Hostile> {
  const app = await startTestApp({ oauth: oauthFor(provider, extra) });
  return { provider, app, close: () => app.close() };
}

async function withFreshApp(
  run: (h: Hostile) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const h = await freshApp(extra);
  try {
    await run(h);
  } finally {
    await h.app.close();
  }
}

describe('metadata naming another issuer', () => {
  it('refuses metadata whose issuer differs from the configured one, and recovers once it is right', async () => {
    await withFreshApp(async (h) => {
      await expectRefused(
        h,
        { status: 400, code: 'OAUTH_ISSUER_MISMATCH' },
        {
          arrange: () => {
            provider.script.discovery = { set: { issuer: 'https://evil.example' } };
          },
          attack: (agent) => agent.get('/login'),
          againstSignedIn: false,
        },
      );
    });
  });
});

describe('http:// endpoints off loopback in the metadata', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['token_endpoint', {}],
    ['jwks_uri', {}],
    ['userinfo_endpoint', { fetchUserInfo: true }],
    ['authorization_endpoint', {}],
  ])('refuses an http:// %s on another host, and sends nothing there', async (member, extra) => {
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return realFetch(input, init);
    });
    await withFreshApp(async (h) => {
      const { fresh } = await expectRefused(
        h,
        { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
        {
          arrange: () => {
            provider.script.discovery = { set: { [member]: `http://example.invalid/${member}` } };
          },
          attack: async (agent) => {
            const login = await agent.get('/login');
            if (login.status !== 303) return login;
            // The browser must not be sent to a plain-http authorization endpoint either.
            expect(login.headers.location).not.toMatch(/^http:\/\/example\.invalid/);
            return attemptLogin(h, agent);
          },
          againstSignedIn: false,
        },
      );
      expect(fresh.status).toBe(502);
    }, extra);
    expect(fetched.filter((url) => url.includes('example.invalid'))).toEqual([]);
  });

  it('never sends the browser with id_token_hint to an http:// end_session_endpoint', async () => {
    await withFreshApp(async (h) => {
      provider.script.discovery = {
        set: { end_session_endpoint: 'http://example.invalid/end-session' },
      };
      const agent = browser(h.app.url);
      const login = await agent.get('/login');
      if (login.status !== 303) {
        // Refusing the whole metadata at discovery is a fine way to refuse it too.
        expectRefusal(login, { status: 502, code: 'OAUTH_INVALID_RESPONSE' });
        return;
      }
      await signIn(h, agent);
      const logout = await agent.post('/logout').set('Sec-Fetch-Site', 'same-origin').expect(303);
      expect(logout.headers.location).toBe(`${h.app.url}/`);
      await expectSignedOut(agent);
    });
  });
});

describe('discovery down or hanging', () => {
  it('answers 503 while the provider is down at start-up, and recovers without a restart', async () => {
    await provider.stop();
    let h: Hostile | undefined;
    try {
      h = await freshApp();
      const agent = browser(h.app.url);
      expectRefusal(await agent.get('/login'), {
        status: 503,
        code: 'OAUTH_PROVIDER_UNAVAILABLE',
      });
      await expectSignedOut(agent);
      // A browser is shown a page that says what happened, without a stack trace.
      const page = await browser(h.app.url).get('/login').set('Accept', 'text/html');
      expect(page.status).toBe(503);
      expect(page.text).toContain('The sign-in service is unavailable');
      expect(page.text).toContain('OAUTH_PROVIDER_UNAVAILABLE');
      expect(page.text).not.toMatch(/at .+:\d+:\d+/);
    } finally {
      await provider.start();
    }
    try {
      await signIn(h);
    } finally {
      await h.app.close();
    }
  });

  it.each([
    ['hangs', { hang: true }, { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' }],
    ['drops the connection', { drop: true }, { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' }],
    [
      'answers 500',
      { status: 500, body: 'down' },
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
    ],
    [
      'answers an HTML page',
      { headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' },
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
    ],
  ] as [string, EndpointScript<JsonObject>, { status: number; code: string }][])(
    'answers cleanly while discovery %s, and recovers without a restart',
    async (_name, script, refusal) => {
      await withFreshApp(async (h) => {
        await expectRefused(h, refusal, {
          arrange: () => {
            provider.script.discovery = script;
          },
          attack: (agent) => agent.get('/login'),
          againstSignedIn: false,
        });
      }, SHORT_TIMEOUT);
    },
  );

  it('keeps signing users in from the cached metadata while discovery is down at run time', async () => {
    await withFreshApp(async (h) => {
      const signedIn = await signIn(h);
      provider.script.discovery = { status: 500, body: 'down' };
      const discoveries = provider.count('/.well-known/openid-configuration');
      await signIn(h);
      await signedIn.get('/me').expect(200);
      expect(provider.count('/.well-known/openid-configuration')).toBe(discoveries);
    });
  });

  it('keeps existing sessions and answers 503 to a callback while the provider is down at run time', async () => {
    await withFreshApp(async (h) => {
      const signedIn = await signIn(h);
      const before = await storedSession(signedIn);
      const agent = browser(h.app.url);
      const callback = await pendingCallback(h, agent);
      const reader = browser(h.app.url);
      const readersCallback = await pendingCallback(h, reader);
      await provider.stop();
      try {
        expectRefusal(await agent.get(callback), {
          status: 503,
          code: 'OAUTH_PROVIDER_UNAVAILABLE',
        });
        // A browser is shown a page that says what happened.
        const page = await reader.get(readersCallback).set('Accept', 'text/html');
        expect(page.status).toBe(503);
        expect(page.text).toContain('OAUTH_PROVIDER_UNAVAILABLE');
        expect(page.text).toContain('unavailable');
        await expectSignedOut(reader);
        await expectSignedOut(agent);
        await expectUntouched(signedIn, before);
      } finally {
        await provider.start();
      }
      await signIn(h);
    });
  });
});

describe('JWKS down or hanging', () => {
  it.each([
    ['hangs', { hang: true }, { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' }],
    [
      'answers 500',
      { status: 500, body: 'down' },
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
    ],
    ['drops the connection', { drop: true }, { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' }],
  ] as [string, EndpointScript<JsonObject>, { status: number; code: string }][])(
    'answers a JWKS that %s at start-up with a clean error, then recovers',
    async (_name, script, refusal) => {
      await withFreshApp(async (h) => {
        await expectRefused(h, refusal, {
          arrange: () => {
            provider.script.jwks = script;
          },
          againstSignedIn: false,
        });
      }, SHORT_TIMEOUT);
    },
  );
});

describe('JWKS down or hanging after a key rotation', () => {
  // A provider of its own: its keys rotate, and no other app may hold its JWKS.
  let rotating: ScriptedProvider;

  beforeAll(async () => {
    rotating = await startScriptedProvider();
  });
  afterAll(() => rotating.close());
  beforeEach(() => rotating.reset());

  it.each([
    ['hangs', { hang: true }, { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' }],
    [
      'answers 500',
      { status: 500, body: 'down' },
      { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
    ],
  ] as [string, EndpointScript<JsonObject>, { status: number; code: string }][])(
    'answers a JWKS that %s after a key rotation at run time with a clean error, then recovers',
    async (_name, script, refusal) => {
      const app = await startTestApp({ oauth: oauthFor(rotating, SHORT_TIMEOUT) });
      const h: Hostile = { provider: rotating, app, close: () => app.close() };
      try {
        await expectRefused(h, refusal, {
          arrange: async () => {
            await rotating.rotateKeys();
            rotating.script.jwks = script;
          },
        });
      } finally {
        await app.close();
      }
    },
  );
});
