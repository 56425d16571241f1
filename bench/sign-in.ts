/**
 * Real logins through each library's own routes against the local oidc-provider: GET /login on
 * the app, the provider's login and consent forms (driven by the test suite's `completeLogin`),
 * then the app's callback. What comes back is the app's cookie jar, as a browser would hold it.
 */
import { CookieJar, completeLogin } from '../test/helpers/oidc-provider.js';
import type { ChildHandle } from './ipc.js';

export interface SignInOptions {
  account?: string;
  /** The provider's cookies; pass the same jar to sign in again without its forms (SSO). */
  providerJar?: CookieJar;
}

async function get(jar: CookieJar, url: URL): Promise<Response> {
  const cookie = jar.header(url);
  const response = await fetch(url, {
    redirect: 'manual',
    headers: cookie === undefined ? {} : { cookie },
  });
  jar.store(url, response.headers.getSetCookie());
  await response.arrayBuffer();
  return response;
}

function redirectOf(response: Response, from: URL, step: string): URL {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || location === null) {
    throw new Error(`${step} answered ${response.status} at ${from.href}`);
  }
  return new URL(location, from);
}

/** With several providers configured (BENCH_PROVIDERS), the user signs in with the first. */
const providerPath = (app: ChildHandle): string =>
  Number(app.info.providers ?? 1) > 1 ? '/p0' : '';

/** The redirect URI to register at the provider for `app`. */
export function callbackUrl(app: ChildHandle): string {
  return `${app.url}/callback${providerPath(app)}`;
}

/** Logs in at `app` and returns its cookie jar, signed in. */
export async function signIn(app: ChildHandle, options: SignInOptions = {}): Promise<CookieJar> {
  const jar = new CookieJar();
  const login = new URL(`/login${providerPath(app)}`, app.url);
  const authorizationUrl = redirectOf(await get(jar, login), login, 'GET /login');
  const callback = await completeLogin(authorizationUrl, {
    account: options.account ?? 'alice',
    ...(options.providerJar === undefined ? {} : { jar: options.providerJar }),
  });
  const landing = redirectOf(await get(jar, callback), callback, 'the callback');
  if (landing.pathname === '/failed') throw new Error(`the callback at ${app.url} failed`);
  return jar;
}

/** The Cookie header a browser would send to the app's `/me`. */
export function cookieFor(app: ChildHandle, jar: CookieJar): string {
  return jar.header(new URL('/me', app.url)) ?? '';
}

export interface MeCheck {
  sub: string;
  /** Set-Cookie headers on a read-only authenticated GET: each one is a session rewrite. */
  setCookies: string[];
}

/** GET /me with the cookie; fails unless it answers 200 with the user's `sub`. */
export async function checkSignedIn(app: ChildHandle, cookie: string): Promise<MeCheck> {
  const response = await fetch(new URL('/me', app.url), {
    headers: cookie === '' ? {} : { cookie },
  });
  const body = (await response.json()) as { sub?: unknown };
  if (response.status !== 200 || typeof body.sub !== 'string') {
    throw new Error(`GET /me at ${app.url} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return { sub: body.sub, setCookies: response.headers.getSetCookie() };
}
