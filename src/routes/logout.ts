import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from '../errors.js';
import { publish } from '../observability/events.js';
import { sessionEnded } from '../policy/session-end.js';
import type { OAuthRuntime } from '../runtime.js';
import {
  destroySignedInSession,
  readAuthentication,
  signedInElsewhere,
} from '../session/sign-in.js';
import { markSilentLogin } from '../session/silent-marker.js';
import { handleError } from './handle-error.js';
import { assertSameOrigin } from './same-origin.js';

async function performLogout(runtime: OAuthRuntime, req: Request, res: Response): Promise<void> {
  const { options } = runtime;
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    throw new OAuthError('logout accepts only POST (a link or image must not log anyone out)', {
      code: 'OAUTH_METHOD_NOT_ALLOWED',
    });
  }
  assertSameOrigin(req, options.baseURL.origin);
  const authentication = await readAuthentication(req, options.secretKeys);
  // Read before the session goes: a function may look at the request. A failing one costs only
  // its parameters, never the logout itself.
  let extraParams: Readonly<Record<string, string>> = {};
  try {
    extraParams = options.logoutParams(req);
  } catch (error) {
    options.logger.error('logoutParams() failed; the logout goes on without its parameters', error);
  }
  // Another tenant's sign-in in a shared session is not this tenant's to end.
  if (!signedInElsewhere(req)) await destroySignedInSession(req);
  req.oauthUser = undefined;
  // A user who just logged out is not signed straight back in by a silent login.
  markSilentLogin(req, res, options.baseURL, true);
  if (authentication !== undefined) await sessionEnded(runtime, authentication, 'logout');
  // The post-logout URL is always the configured one, never one taken from the request.
  const provider =
    authentication === undefined ? undefined : runtime.providers.find(authentication.user.provider);
  const endSession = await provider?.endSessionUrl(
    authentication,
    options.postLogoutRedirectUri,
    extraParams,
  );
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, endSession?.href ?? options.postLogoutRedirectUri);
  publish('logout', () => ({
    provider: authentication?.user.provider,
    endSession: endSession !== undefined,
  }));
}

/**
 * POST /logout — ends the local session, then the provider's when it has an end-session endpoint.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
export function logoutRoute(runtime: OAuthRuntime) {
  return function oauthLogout(req: Request, res: Response, next: NextFunction): void {
    performLogout(runtime, req, res).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
