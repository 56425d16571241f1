/**
 * The properties every response of the fuzzed routes must keep: no 5xx the app caused, no stack
 * trace, no redirect elsewhere, no session for an unauthenticated request.
 */
import escapeHtml from 'escape-html';
import { expect } from 'vitest';

import type { FuzzTarget } from './fixture.js';
import { cookieOf, toHeaderValue } from './raw-http.js';
import type { RawRequest, RawResponse } from './raw-http.js';

export interface SessionView {
  oauth: { user?: unknown; tokens?: unknown; transactions?: Record<string, { returnTo: string }> };
}

export async function sessionOf(target: FuzzTarget, cookie: string): Promise<SessionView> {
  const response = await target.send({
    path: '/session',
    headers: { cookie: toHeaderValue(cookie) },
  });
  expect(response.status, 'GET /session').toBe(200);
  const view = JSON.parse(response.body) as { oauth: SessionView['oauth'] | null };
  return { oauth: view.oauth ?? {} };
}

export const isSignedIn = (view: SessionView): boolean =>
  view.oauth.user !== undefined || view.oauth.tokens !== undefined;

const STACK_TRACE = [/at .+:\d+:\d+/, /node_modules/, /\.ts:/];

/**
 * The error pages quote a few request values (a parameter name, the provider's `error` and
 * `error_description`). Those quotes are blanked before looking for a stack trace, so a fuzzed
 * `error_description=at x:1:2` is not mistaken for one; quotes under 3 characters stay, as they
 * cannot hold a match on their own and blanking them could hide a real trace.
 */
function echoesOf(target: string): string[] {
  const query = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
  const texts = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    for (const text of [name, name.slice(0, 40), value]) {
      for (const form of [text, escapeHtml(text), JSON.stringify(text).slice(1, -1)]) {
        texts.add(Buffer.from(form, 'utf8').toString('utf8'));
      }
    }
  }
  return [...texts].filter((text) => text.length >= 3).sort((a, b) => b.length - a.length);
}

function expectNoStackTrace(response: RawResponse, target: string): void {
  let visible = response.body;
  for (const echo of echoesOf(target)) visible = visible.split(echo).join('\u2400');
  for (const pattern of STACK_TRACE) {
    expect(visible, `stack trace in the response: ${response.body.slice(0, 300)}`).not.toMatch(
      pattern,
    );
  }
}

/** A redirect goes to the app itself or to the provider's authorize / end-session endpoints. */
function expectSafeLocation({ app, provider }: FuzzTarget, response: RawResponse): void {
  const location = response.headers.location;
  if (location === undefined) return;
  const url = new URL(location, app.url);
  const allowed = [`${app.url}/`, provider.url('/authorize?'), provider.url('/end-session')];
  expect(
    allowed.some((prefix) => url.href.startsWith(prefix)),
    `redirect to ${location}`,
  ).toBe(true);
}

/** Codes of failures that come from talking to the provider (502, 503, 504 by the README). */
export const PROVIDER_FACING = new Set([
  'OAUTH_PROVIDER_ERROR',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_ID_TOKEN_INVALID',
  'OAUTH_PROVIDER_UNAVAILABLE',
  'OAUTH_PROVIDER_TIMEOUT',
  'OAUTH_RATE_LIMITED',
]);

export const errorCodeOf = (body: string): string | undefined =>
  /"code":"(OAUTH_[A-Z_]+)"|Error code: <code>(OAUTH_[A-Z_]+)<\/code>/
    .exec(body)
    ?.slice(1)
    .find(Boolean);

export const describeExchange = (request: RawRequest, response: RawResponse): string =>
  `${request.method ?? 'GET'} ${request.path.slice(0, 200)} -> ${response.status} ${response.body.slice(0, 300)}`;

/**
 * No 5xx unless `allow5xx` says the provider caused it, no stack trace, a safe redirect. The
 * provider is up and honest, so only a request that reached its token endpoint may see one.
 */
export function expectWellBehaved(
  target: FuzzTarget,
  request: RawRequest,
  response: RawResponse,
  allow5xx: (response: RawResponse) => boolean = () => false,
): void {
  if (response.status >= 500) {
    expect(allow5xx(response), describeExchange(request, response)).toBe(true);
  }
  expectNoStackTrace(response, request.path);
  expectSafeLocation(target, response);
}

/**
 * Sends a request of a client that holds no signed-in session and checks everything the issue
 * asks for, including that neither the cookie it set nor the cookie it sent is signed in.
 */
export async function sendUnauthenticated(
  target: FuzzTarget,
  request: RawRequest,
): Promise<RawResponse> {
  const response = await target.send(request);
  expectWellBehaved(target, request, response);
  const where = describeExchange(request, response);
  for (const cookie of [cookieOf(response), request.headers?.cookie]) {
    if (cookie !== undefined && cookie !== '') {
      expect(isSignedIn(await sessionOf(target, cookie)), `signed in after ${where}`).toBe(false);
    }
  }
  return response;
}

/**
 * What the README promises for logout: `Sec-Fetch-Site`, else `Origin`, else `Referer` decides;
 * a request with none of them is not a browser page's. (Node's parser trims header values.)
 */
export function isSameOrigin(appUrl: string, sent: Record<string, string>): boolean {
  const get = (name: string): string | undefined => sent[name]?.replace(/^[\t ]+|[\t ]+$/g, '');
  const [site, origin, referer] = [get('sec-fetch-site'), get('origin'), get('referer')];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  if (origin !== undefined) return origin === appUrl;
  if (referer !== undefined) return URL.canParse(referer) && new URL(referer).origin === appUrl;
  return true;
}
