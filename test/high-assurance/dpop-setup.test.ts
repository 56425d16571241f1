// The `dpop` option: checked at creation with a typo hint, and the proof algorithm picked from
// what the provider advertises (dpop_signing_alg_values_supported, RFC 9449 §5.1): ES256 when it
// may, another the provider lists otherwise, and a clean refusal when it lists none the package
// can sign with.
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { startTestApp, TEST_SECRET } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  expectRefusal,
  expectSignedOut,
  HOSTILE_TIMEOUT,
  oauthFor,
  storedSession,
} from '../security/hostile-harness.js';
import { browser } from '../helpers/login.js';

const base = {
  issuer: 'https://bank.example',
  clientId: 'app',
  clientSecret: 'app-secret-0123456789abcdefghijklmnop',
  baseURL: 'https://app.example',
  secret: TEST_SECRET,
};

describe('the dpop option', () => {
  it('accepts a boolean, in the single form and per provider', () => {
    const { baseURL, secret, ...provider } = base;
    expect(() => oauthMiddleware({ ...base, dpop: true })).not.toThrow();
    expect(() =>
      oauthMiddleware({ baseURL, secret, providers: { bank: { ...provider, dpop: false } } }),
    ).not.toThrow();
  });

  it.each([
    [{ dpop: 'yes' }, '"options.dpop" must be'],
    [{ dpopp: true }, 'did you mean "dpop"?'],
  ])('refuses %o with a TypeError naming the fix', (extra, message) => {
    let thrown: unknown;
    try {
      oauthMiddleware({ ...base, ...extra } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as { code?: unknown }).code).toMatch(/^ERR_/);
  });
});

describe('the proof algorithm', () => {
  let provider: ScriptedProvider;
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
    await provider?.close();
  });

  /** A provider advertising `algorithms`, and an app meeting it for the first time. */
  async function start(algorithms: string[]): Promise<void> {
    provider = await startScriptedProvider();
    provider.script.discovery = { set: { dpop_signing_alg_values_supported: algorithms } };
    app = await startTestApp({ oauth: oauthFor(provider, { dpop: true, ...HOSTILE_TIMEOUT }) });
  }

  it.each([
    [['PS256', 'ES256'], 'ES256', 'EC'],
    [['PS256'], 'PS256', 'RSA'],
    [['RS512', 'HS256'], 'RS512', 'RSA'],
  ])('advertised %o: signs with %s', async (algorithms, alg, kty) => {
    await start(algorithms);
    const agent = browser(app.url);
    expect((await attemptLogin({ provider, app, close: async () => {} }, agent)).status).toBe(303);
    const proof = provider.last('/token')?.headers.dpop as string;
    expect(decodeProtectedHeader(proof)).toMatchObject({ alg, jwk: { kty } });
    const tokens = (await storedSession(agent)).oauth?.tokens;
    expect(tokens?.dpopKey).toMatchObject({ alg, jwk: { kty } });
    // The key read back from the session signs the next proofs too.
    await agent.get('/userinfo').expect(200);
    expect(decodeProtectedHeader(provider.last('/userinfo')?.headers.dpop as string).alg).toBe(alg);
  });

  it('refuses to sign in when the provider advertises no algorithm the package signs with', async () => {
    await start(['HS256', 'none']);
    const agent = browser(app.url);
    const response = await attemptLogin({ provider, app, close: async () => {} }, agent);
    expectRefusal(response, { status: 502, code: 'OAUTH_INVALID_RESPONSE' });
    expect(provider.count('/token')).toBe(0);
    await expectSignedOut(agent);
  });
});
