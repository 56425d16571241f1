// Property-based fuzzing of GET /login, GET /callback and POST /logout (security issue: "never a
// 500, never an unhandled rejection, never a stack trace, never a session for an unauthenticated
// request"). Real HTTP on 127.0.0.1 against the scripted provider. FUZZ_SEED=<n> replays a run
// (fast-check prints the seed and path of any failure); FUZZ_SCALE=<x> multiplies every numRuns.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { body, cookieHeader, headers, METHODS, withQuery } from '../helpers/fuzz/arbitraries.js';
import {
  describeExchange,
  errorCodeOf,
  expectWellBehaved,
  isSameOrigin,
  isSignedIn,
  PROVIDER_FACING,
  sendUnauthenticated,
  sessionOf,
} from '../helpers/fuzz/checks.js';
import { createFuzzTarget, forgeries, startPendingLogin } from '../helpers/fuzz/fixture.js';
import type { FuzzFixture, FuzzTarget } from '../helpers/fuzz/fixture.js';
import { cookieOf, toTarget } from '../helpers/fuzz/raw-http.js';
import type { RawRequest } from '../helpers/fuzz/raw-http.js';
import { isHonestCallback, tamper, tamperedCallback } from '../helpers/fuzz/tamper.js';
import type { Tamper } from '../helpers/fuzz/tamper.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(numRuns * scale)),
  ...(seed === undefined ? {} : { seed }),
});

let provider: ScriptedProvider;
let app: TestApp;
let target: FuzzTarget;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

/** Cookies of the fixture, set in beforeAll: a signed-in victim's and a pending login's. */
const fixture: FuzzFixture = { victimCookie: '', pendingCookie: '', forged: [] };
const cookie = cookieHeader(fixture);

// ---------------------------------------------------------------------------------------------
// Fixture.
// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  provider = await startScriptedProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      timeout: 2_000,
    }),
  });
  target = createFuzzTarget(app, provider);
  const victim = await startPendingLogin(target, '/victim');
  const signedIn = await target.send({
    path: `/callback?${victim.params}`,
    headers: { cookie: victim.cookie },
  });
  expect(signedIn.status, signedIn.body).toBe(303);
  fixture.victimCookie = cookieOf(signedIn)!;
  expect(isSignedIn(await sessionOf(target, fixture.victimCookie))).toBe(true);
  fixture.pendingCookie = (await startPendingLogin(target)).cookie;
  fixture.forged = forgeries(fixture.victimCookie, fixture.pendingCookie);
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  target?.close();
  await app?.close();
  await provider?.close();
});

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

describe('fuzzing the routes with adversarial requests', () => {
  it('GET /callback with any query string, headers and cookie: no 5xx, no trace, no session', async () => {
    // The pending login's cookie takes the callback to its transactions (state mismatch).
    const cookies = fc.oneof(
      cookie,
      fc.constant(null).map(() => fixture.pendingCookie),
    );
    await fc.assert(
      fc.asyncProperty(withQuery('/callback'), headers(app.url, cookies), async (path, sent) => {
        await sendUnauthenticated(target, { path, headers: sent });
      }),
      runs(700),
    );
  }, 60_000);

  it('GET /login with any query string and headers: a same-origin returnTo or an error', async () => {
    await fc.assert(
      fc.asyncProperty(withQuery('/login'), headers(app.url, cookie), async (path, sent) => {
        const response = await sendUnauthenticated(target, { path, headers: sent });
        const issued = cookieOf(response);
        if (response.status !== 303 || issued === undefined) return;
        const { transactions = {} } = (await sessionOf(target, issued)).oauth;
        for (const { returnTo } of Object.values(transactions)) {
          expect(returnTo, `returnTo stored for ${path.slice(0, 200)}`).toMatch(
            /^\/(?![/\\])[\x21-\x7e]*$/,
          );
          expect(new URL(returnTo, 'https://app.example').origin).toBe('https://app.example');
        }
      }),
      runs(300),
    );
  }, 60_000);

  it('POST /logout with any origin headers, cookie and body: cross-site requests are refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        withQuery('/logout'),
        headers(app.url, cookie),
        body,
        async (path, sent, payload) => {
          const response = await sendUnauthenticated(target, {
            method: 'POST',
            path,
            headers: payload === undefined ? sent : { ...sent, 'content-type': payload.type },
            ...(payload === undefined ? {} : { body: payload.body }),
          });
          if (response.status === 303) {
            expect(
              isSameOrigin(app.url, sent),
              `logout accepted from ${JSON.stringify(sent)}`,
            ).toBe(true);
          }
        },
      ),
      runs(300),
    );
  }, 60_000);

  it('any method, headers and body on /login, /callback and /logout: no 5xx, no trace, no session', async () => {
    const request = fc.record({
      method: fc.constantFrom(...METHODS),
      path: fc.oneof(withQuery('/login'), withQuery('/callback'), withQuery('/logout')),
      headers: headers(app.url, cookie),
      body,
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers: sent, body: payload }) => {
        await sendUnauthenticated(target, {
          method,
          path,
          headers: payload === undefined ? sent : { ...sent, 'content-type': payload.type },
          ...(payload === undefined ? {} : { body: payload.body }),
        });
      }),
      runs(600),
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// A real pending login, then a tampered callback.
// ---------------------------------------------------------------------------------------------

describe('fuzzing the callback of a real pending login', () => {
  it('signs in only on the exact honest callback, whatever else is tampered with', async () => {
    const tampering = fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Tamper[]) },
      { weight: 9, arbitrary: fc.array(tamper, { minLength: 1, maxLength: 4 }) },
    );
    const accept = fc.constantFrom('text/html', 'application/json', '*/*');
    await fc.assert(
      fc.asyncProperty(tampering, accept, async (tampers, acceptHeader) => {
        const victim = await startPendingLogin(target);
        const attacker = await startPendingLogin(target);
        const { query, cookie } = tamperedCallback(victim, attacker, tampers, fixture.forged);
        const request: RawRequest = {
          path: toTarget(`/callback?${query}`),
          headers: { accept: acceptHeader, ...(cookie === undefined ? {} : { cookie }) },
        };
        const tokenRequests = provider.count('/token');
        const response = await target.send(request);
        const contactedProvider = provider.count('/token') > tokenRequests;
        expectWellBehaved(
          target,
          request,
          response,
          (r) =>
            contactedProvider &&
            [502, 503, 504].includes(r.status) &&
            PROVIDER_FACING.has(errorCodeOf(r.body) ?? ''),
        );
        const where = describeExchange(request, response);
        // The session id changes at sign-in: the cookie sent along is never the signed-in one.
        if (cookie !== undefined) {
          expect(isSignedIn(await sessionOf(target, cookie)), `fixation: ${where}`).toBe(false);
        }
        const issued = cookieOf(response);
        const signedIn = issued !== undefined && isSignedIn(await sessionOf(target, issued));
        if (signedIn) {
          const honest = [victim, attacker].some((login) => isHonestCallback(login, cookie, query));
          expect(honest, `signed in by a tampered callback: ${where}`).toBe(true);
          expect(response.status, where).toBe(303);
        }
        if (tampers.length === 0) expect(signedIn, `honest callback refused: ${where}`).toBe(true);
      }),
      {
        ...runs(200),
        // Always tried first: the control, then callbacks any browser can forge, which must not
        // be blamed on the provider with a 502 (`response` is JARM's, `token` the implicit
        // flow's, and a missing `code` is the URL's fault): the provider is never asked.
        examples: [
          [[], 'text/html'],
          [[{ kind: 'add', name: 'response', value: 'x' }], 'application/json'],
          [[{ kind: 'add', name: 'token', value: '' }], 'application/json'],
          [[{ kind: 'delete', field: 'code' }], 'application/json'],
        ],
      },
    );
  }, 60_000);
});

describe('after the fuzzing', () => {
  it('left no unhandled rejection, no internal error, and the app and the victim intact', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
    expect(app.logs.filter((line) => line.includes('unexpected failure'))).toEqual([]);
    const home = await target.send({ path: '/', headers: { cookie: fixture.victimCookie } });
    expect(home.status).toBe(200);
    // No forged cookie, logout or callback above could end or change the victim's session.
    expect(JSON.parse(home.body)).toMatchObject({ signedIn: true, user: { sub: 'alice' } });
  });
});
