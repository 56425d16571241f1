import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from './errors.js';
import { handleError } from './render-error.js';
import type { OAuthRuntime } from './runtime.js';
import { destroySession, readAuthentication } from './session.js';

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * Logout changes state, so a page on another site must not be able to trigger it (logout CSRF).
 * Browsers say where a request comes from in `Sec-Fetch-Site`, else `Origin`, else `Referer`; a
 * request with none of them does not come from a browser page.
 */
export function assertSameOrigin(req: Request, expectedOrigin: string): void {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const referer = req.get('referer');
  let sameOrigin = true;
  if (site !== undefined) sameOrigin = site === 'same-origin' || site === 'none';
  else if (origin !== undefined) sameOrigin = origin === expectedOrigin;
  else if (referer !== undefined) sameOrigin = originOf(referer) === expectedOrigin;
  if (!sameOrigin) {
    throw new OAuthError('logout must be requested from the application itself', {
      code: 'OAUTH_CROSS_SITE_REQUEST',
    });
  }
}

async function performLogout(runtime: OAuthRuntime, req: Request, res: Response): Promise<void> {
  const { options } = runtime;
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    throw new OAuthError('logout accepts only POST (a link or image must not log anyone out)', {
      code: 'OAUTH_METHOD_NOT_ALLOWED',
    });
  }
  assertSameOrigin(req, options.baseURL.origin);
  const authentication = readAuthentication(req);
  await destroySession(req);
  req.oauthUser = undefined;
  // The post-logout URL is always the configured one, never one taken from the request.
  const provider =
    authentication === undefined ? undefined : runtime.providers.get(authentication.user.provider);
  const endSession = await provider?.endSessionUrl(authentication, options.postLogoutRedirectUri);
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, endSession?.href ?? options.postLogoutRedirectUri);
}

/** POST /logout — ends the local session, then the provider's when it has an end-session endpoint. */
export function logoutRoute(runtime: OAuthRuntime) {
  return function oauthLogout(req: Request, res: Response, next: NextFunction): void {
    performLogout(runtime, req, res).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
