import type { Request, Response } from 'express';
import { appCookiePath, cookieValue, requestCookies } from './browser-cookies.js';

/**
 * "A silent login was tried in this browser session", kept in a cookie of its own rather than in
 * the session: it must outlive a logout (or the next page would sign the user straight back in
 * at a provider that still has a session), and it costs the session store nothing. A cookie
 * without an expiry ends with the browser session, as the mark should.
 */
const COOKIE = 'oauth_silent';

export function silentLoginTried(req: Request): boolean {
  return cookieValue(requestCookies(req), COOKIE) === 'tried';
}

/** Marks the browser session (`true`), or clears the mark (`false`, an explicit login). */
export function markSilentLogin(req: Request, res: Response, baseURL: URL, tried: boolean): void {
  const options = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: baseURL.protocol === 'https:',
    path: appCookiePath(baseURL),
  };
  if (tried) res.cookie(COOKIE, 'tried', options);
  else if (silentLoginTried(req)) res.clearCookie(COOKIE, options);
}
