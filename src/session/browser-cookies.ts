import type { Request } from 'express';
import { parse } from 'cookie';

/**
 * The middleware's own cookies (pending logins, the silent-login mark): how they are read from a
 * request and which path they are scoped to, in one place.
 */

/** The request's cookies, parsed once per call; an absent header is no cookies. */
export function requestCookies(req: Request): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header === undefined ? {} : parse(header);
}

/** One cookie's value, never a name inherited from `Object.prototype`. */
export function cookieValue(
  cookies: Record<string, string | undefined>,
  name: string,
): string | undefined {
  return Object.hasOwn(cookies, name) ? cookies[name] : undefined;
}

/** The application's path (the base URL's, with a trailing slash): cookies for every page of it. */
export function appCookiePath(baseURL: URL): string {
  return baseURL.pathname.endsWith('/') ? baseURL.pathname : `${baseURL.pathname}/`;
}
