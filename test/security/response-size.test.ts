// Provider answers read through one size limit ("maxResponseBytes"): an answer over it from any
// endpoint is refused cleanly with OAUTH_INVALID_RESPONSE naming the endpoint and the limit, an
// answer of exactly the limit is read, and an answer that stalls mid-body is a timeout (504).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { browser } from '../helpers/login.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { Json, JsonObject, ScriptedProvider } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  expectRefusal,
  expectRefused,
  HOSTILE_TIMEOUT,
  oauthFor,
  signIn,
  startHostile,
} from './hostile-harness.js';
import type { Hostile } from './hostile-harness.js';

/** A small limit keeps the bodies small; the default (1 MiB) has a test of its own. */
const LIMIT = 16 * 1024;

/** `honest` with a `padding` member that makes its JSON exactly `size` bytes. */
function paddedTo(size: number): (honest: JsonObject) => string {
  return (honest) => {
    const bare = JSON.stringify({ ...honest, padding: '' });
    return JSON.stringify({ ...honest, padding: 'x'.repeat(size - bare.length) });
  };
}

const TOO_LARGE = { status: 502, code: 'OAUTH_INVALID_RESPONSE' };
const STALLED = { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' };

/** Discovery fails at /login; the JWKS is first needed to check the ID token at the callback. */
function attackFor(name: 'discovery' | 'jwks', h: Hostile) {
  const agent = browser(h.app.url);
  return name === 'discovery' ? agent.get('/login') : attemptLogin(h, agent);
}

/** The `OAUTH_INVALID_RESPONSE` the app logged names the endpoint and the limit. */
function expectLogged(logs: string[], endpoint: string, limit = LIMIT): void {
  expect(logs.join('\n')).toContain(
    `the provider's ${endpoint} response is larger than ${limit} bytes ("maxResponseBytes")`,
  );
}

describe('token and userinfo answers over the limit', () => {
  let h: Hostile;
  beforeAll(async () => {
    h = await startHostile({
      oauth: { ...HOSTILE_TIMEOUT, maxResponseBytes: LIMIT, fetchUserInfo: true },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.provider.script = {};
  });

  it.each([
    ['token', 'token'],
    ['userinfo', 'userinfo'],
  ] as const)('refuses a %s answer one byte over the limit', async (name, endpoint) => {
    await expectRefused(h, TOO_LARGE, {
      arrange: () => {
        h.provider.script[name] = { body: paddedTo(LIMIT + 1) as (honest: JsonObject) => Json };
      },
    });
    expectLogged(h.app.logs, endpoint);
  });

  it('refuses a token answer whose Content-Length is over the limit', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(LIMIT) });
    await expectRefused(h, TOO_LARGE, {
      arrange: () => {
        h.provider.script.token = { body, headers: { 'content-length': String(body.length) } };
      },
    });
  });

  it.each(['token', 'userinfo'] as const)(
    'reads a %s answer of exactly the limit',
    async (name) => {
      h.provider.script[name] = { body: paddedTo(LIMIT) as (honest: JsonObject) => Json };
      await signIn(h);
    },
  );

  it.each(['token', 'userinfo'] as const)(
    'reports a %s answer that stalls mid-body as a timeout',
    async (name) => {
      await expectRefused(h, STALLED, {
        arrange: () => {
          h.provider.script[name] = { stall: true };
        },
      });
    },
  );
});

describe('discovery and JWKS answers over the limit', () => {
  let provider: ScriptedProvider;
  beforeAll(async () => {
    provider = await startScriptedProvider();
  });
  afterAll(() => provider.close());
  beforeEach(() => provider.reset());

  /** A new app (nothing discovered, no keys cached) against the shared provider. */
  async function withFreshApp(run: (h: Hostile) => Promise<void>): Promise<void> {
    const app = await startTestApp({
      oauth: oauthFor(provider, { ...HOSTILE_TIMEOUT, maxResponseBytes: LIMIT }),
    });
    try {
      await run({ provider, app, close: () => app.close() });
    } finally {
      await app.close();
    }
  }

  it.each([
    ['discovery', 'discovery'],
    ['jwks', 'jwks'],
  ] as const)('refuses a %s answer over the limit, and recovers', async (name, endpoint) => {
    await withFreshApp(async (h) => {
      provider.script[name] = { body: paddedTo(LIMIT + 1) as (honest: JsonObject) => Json };
      expectRefusal(await attackFor(name, h), TOO_LARGE);
      expectLogged(h.app.logs, endpoint);
      provider.script = {};
      await signIn(h);
    });
  });

  it.each(['discovery', 'jwks'] as const)(
    'reads a %s answer of exactly the limit',
    async (name) => {
      await withFreshApp(async (h) => {
        provider.script[name] = { body: paddedTo(LIMIT) as (honest: JsonObject) => Json };
        await signIn(h);
      });
    },
  );

  it.each(['discovery', 'jwks'] as const)(
    'reports a %s answer that stalls mid-body as a timeout, and recovers',
    async (name) => {
      await withFreshApp(async (h) => {
        provider.script[name] = { stall: true };
        expectRefusal(await attackFor(name, h), STALLED);
        provider.script = {};
        await signIn(h);
      });
    },
  );

  it('refuses by default an answer over 1 MiB', async () => {
    const app = await startTestApp({ oauth: oauthFor(provider, HOSTILE_TIMEOUT) });
    try {
      provider.script.discovery = {
        body: paddedTo(1024 * 1024 + 1) as (honest: JsonObject) => Json,
      };
      expectRefusal(await browser(app.url).get('/login'), TOO_LARGE);
      expectLogged(app.logs, 'discovery', 1024 * 1024);
    } finally {
      await app.close();
    }
  });
});
