// The shared harness of the hostile-provider suite: a scripted OpenID Provider that attacks, the
// fixture app under attack, and expectRefused(), which proves that a refusal is clean: the right
// status and stable code, no stack trace, no session created, an existing session untouched, and
// an honest login still working afterwards.
import { expect } from 'vitest';
import type request from 'supertest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp, TestAppOptions } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider, ScriptedProviderOptions } from '../helpers/scripted-provider.js';

export type { Agent } from '../helpers/login.js';
export type Response = request.Response;

type OAuthOptions = ReturnType<TestAppOptions['oauth']>;

export interface Hostile {
  provider: ScriptedProvider;
  app: TestApp;
  close(): Promise<void>;
}

/**
 * The timeout the hostile tests give the app: long enough that an honest but slow answer on a
 * loaded two-core CI machine (a JWKS refetch plus a token call) is not mistaken for a hang, short
 * enough that the hanging cases end quickly. 300 ms once made an honest bad-signature refresh time out.
 */
export const HOSTILE_TIMEOUT = { timeout: 1_000 } as const;

/** The app's options for the scripted provider, plus `extra` (timeout, fetchUserInfo, ...). */
export function oauthFor(
  provider: ScriptedProvider,
  extra: Record<string, unknown> = {},
): () => OAuthOptions {
  return () =>
    ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      ...extra,
    }) as OAuthOptions;
}

/**
 * A scripted provider and an app that trusts it, warmed up by a first honest login (metadata and
 * JWKS cached, the long-lived victim signed in), so that short timeouts only meet hostile answers.
 */
export async function startHostile(
  options: { provider?: ScriptedProviderOptions; oauth?: Record<string, unknown> } = {},
): Promise<Hostile> {
  const provider = await startScriptedProvider(options.provider);
  const app = await startTestApp({ oauth: oauthFor(provider, options.oauth) });
  const h: Hostile = {
    provider,
    app,
    async close() {
      await app.close();
      await provider.close();
    },
  };
  await signedInVictim(h);
  return h;
}

/** Starts a login in `agent` and plays the browser at the provider: the callback path. */
export async function pendingCallback(h: Hostile, agent: Agent): Promise<string> {
  return pathOf(await authorize(h.provider, await startLogin(agent)));
}

/** The whole login in `agent`: /login, the provider, then the callback; its response. */
export async function attemptLogin(h: Hostile, agent: Agent): Promise<Response> {
  return agent.get(await pendingCallback(h, agent));
}

/**
 * An honest login in a new (or the given) browser; checks it landed and who is signed in through
 * `/`, which never refreshes, so a token due for refresh is left for the test to refresh.
 */
export async function signIn(h: Hostile, agent: Agent = browser(h.app.url)): Promise<Agent> {
  const response = await attemptLogin(h, agent);
  expect(response.status, `honest login answered ${response.status}: ${response.text}`).toBe(303);
  const home = await agent.get('/').expect(200);
  expect(home.body).toMatchObject({ signedIn: true, user: { sub: h.provider.subject } });
  return agent;
}

export interface StoredSession {
  id: string;
  oauth: {
    user?: { sub: string; claims: Record<string, unknown> } & Record<string, unknown>;
    tokens?: { accessToken: string; refreshToken?: string; idToken?: string } & Record<
      string,
      unknown
    >;
    transactions?: Record<string, unknown>;
  } | null;
}

/** The session as the test-only /session route shows it (tokens included). */
export async function storedSession(agent: Agent): Promise<StoredSession> {
  return (await agent.get('/session').expect(200)).body as StoredSession;
}

export interface Refusal {
  status: number;
  code: string;
}

const ERROR_MEMBERS = ['code', 'status', 'message', 'error', 'error_description', 'retry_after'];

/** A clean refusal: the status, the stable code, a JSON error body and no stack trace. */
export function expectRefusal(response: Response, expected: Refusal): void {
  expect(
    { status: response.status, code: (response.body as { code?: unknown }).code },
    `body: ${response.text}`,
  ).toEqual(expected);
  // The middleware's own pages carry the status; the fixture app's error handler (for errors
  // thrown by req.oauth methods) sends only code and message.
  if ('status' in response.body) expect(response.body.status).toBe(expected.status);
  for (const member of Object.keys(response.body as object)) {
    expect(ERROR_MEMBERS).toContain(member);
  }
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(response.text).not.toMatch(/node_modules|\.ts\b|\.js:\d/);
}

/** Nobody is signed in in this browser. */
export async function expectSignedOut(agent: Agent): Promise<void> {
  const home = await agent.get('/').expect(200);
  expect(home.body).toEqual({ signedIn: false, user: null });
}

/** The browser is still signed in as before: same session id, same user and tokens, /me works. */
export async function expectUntouched(agent: Agent, before: StoredSession): Promise<void> {
  const after = await storedSession(agent);
  expect(after.id).toBe(before.id);
  expect(after.oauth?.user).toEqual(before.oauth?.user);
  expect(after.oauth?.tokens).toEqual(before.oauth?.tokens);
  const me = await agent.get('/me').expect(200);
  expect(me.body.sub).toBe(before.oauth?.user?.sub);
}

const victims = new WeakMap<Hostile, Agent>();

/**
 * A browser that stays signed in across the tests of a file, to be attacked again and again:
 * signed in anew only when an earlier test ended its session (or the provider's subject changed).
 */
export async function signedInVictim(h: Hostile): Promise<Agent> {
  const known = victims.get(h);
  if (known !== undefined) {
    const home = await known.get('/').expect(200);
    if (home.body.signedIn === true && home.body.user?.sub === h.provider.subject) return known;
  }
  const victim = await signIn(h);
  victims.set(h, victim);
  return victim;
}

export interface RefusedOptions {
  /** Makes the provider (or anything else) hostile; called once both honest browsers are ready. */
  arrange?: () => void | Promise<void>;
  /** The attack, run in a fresh browser and then in a signed-in one. Default: a whole login. */
  attack?: (agent: Agent) => Promise<Response>;
  /** Also run the attack in a browser that is already signed in. Default true. */
  againstSignedIn?: boolean;
  /**
   * Attack a browser signed in just now rather than the file's long-lived victim, whose session
   * may hold logins that earlier attacks left pending. Default false.
   */
  newVictim?: boolean;
  /** Undoes what `arrange` did beyond the script (which is always cleared). */
  restore?: () => void | Promise<void>;
}

export interface Refused {
  fresh: Response;
  signedIn: Response | undefined;
}

/**
 * Runs an attack and proves it was refused cleanly: in a fresh browser (no session created) and
 * in a signed-in one (its session untouched), then that an honest login works once the provider
 * behaves again.
 */
export async function expectRefused(
  h: Hostile,
  expected: Refusal,
  options: RefusedOptions = {},
): Promise<Refused> {
  const attack = options.attack ?? ((agent: Agent) => attemptLogin(h, agent));
  const victim =
    options.againstSignedIn === false
      ? undefined
      : options.newVictim
        ? await signIn(h)
        : await signedInVictim(h);
  const before = victim === undefined ? undefined : await storedSession(victim);
  const fresh = browser(h.app.url);
  await options.arrange?.();
  let freshResponse: Response;
  let signedInResponse: Response | undefined;
  try {
    freshResponse = await attack(fresh);
    expectRefusal(freshResponse, expected);
    await expectSignedOut(fresh);
    if (victim !== undefined) {
      signedInResponse = await attack(victim);
      expectRefusal(signedInResponse, expected);
      await expectUntouched(victim, before!);
    }
  } finally {
    h.provider.script = {};
    await options.restore?.();
  }
  await signIn(h);
  return { fresh: freshResponse, signedIn: signedInResponse };
}

/** Seconds since the epoch, as JWT claims count time. */
export function epoch(): number {
  return Math.floor(Date.now() / 1000);
}
