/**
 * What the fuzzing attacks: the app under test and its provider, a signed-in victim's session,
 * pending logins, and forgeries of the victim's cookie.
 */
import { expect } from 'vitest';

import type { TestApp } from '../app.js';
import { authorize } from '../scripted-provider.js';
import type { ScriptedProvider } from '../scripted-provider.js';
import { cookieOf, createRawHttpClient } from './raw-http.js';
import type { RawHttpClient } from './raw-http.js';

/** The app, reached over raw HTTP, and the provider it signs in with. */
export interface FuzzTarget extends RawHttpClient {
  app: TestApp;
  provider: ScriptedProvider;
}

export function createFuzzTarget(app: TestApp, provider: ScriptedProvider): FuzzTarget {
  return { ...createRawHttpClient(app.port), app, provider };
}

/** Cookies of the fixture, set in beforeAll: a signed-in victim's and a pending login's. */
export interface FuzzFixture {
  victimCookie: string;
  pendingCookie: string;
  forged: string[];
}

export interface PendingLogin {
  cookie: string;
  /** The provider's redirect back: the honest callback's parameters. */
  params: URLSearchParams;
}

export async function startPendingLogin(
  target: FuzzTarget,
  returnTo?: string,
): Promise<PendingLogin> {
  const login = await target.send({
    path: returnTo === undefined ? '/login' : `/login?returnTo=${encodeURIComponent(returnTo)}`,
  });
  expect(login.status, login.body).toBe(303);
  const callback = await authorize(target.provider, login.headers.location!);
  return { cookie: cookieOf(login)!, params: callback.searchParams };
}

/** Every forgery of the victim's signed cookie that must be worthless; never the cookie itself. */
export function forgeries(victim: string, pending: string): string[] {
  const signed = (cookie: string): [string, string] => {
    const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).slice(2);
    const dot = value.lastIndexOf('.');
    return [value.slice(0, dot), value.slice(dot + 1)];
  };
  const [id, signature] = signed(victim);
  const [otherId, otherSignature] = signed(pending);
  const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  return [
    `connect.sid=${id}`,
    `connect.sid=s%3A${id}`,
    `connect.sid=s%3A${id}.`,
    `connect.sid=s%3A${id}.${otherSignature}`,
    `connect.sid=s%3A${otherId}.${signature}`,
    `connect.sid=s%3A${id}.${signature.slice(0, -1)}`,
    `connect.sid=s%3A${id}.${flip(signature)}`,
    `connect.sid=s%3A${flip(id)}.${signature}`,
    `connect.sid=s%3A${id.toUpperCase()}.${signature}`,
    `Connect.sid=s%3A${id}.${flip(signature)}`,
    `connect.sid=s%3A${id}.${signature}${signature}`,
  ].filter((forged) => decodeURIComponent(forged) !== decodeURIComponent(victim));
}
