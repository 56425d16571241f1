import type { NextFunction, Request, Response } from 'express';
import { OAuthContext } from '../context.js';
import { runtimeOfMiddleware } from '../middleware.js';
import { OAuthError } from '../errors.js';
import { inspectSignIn } from '../refresh/current-sign-in.js';
import { requireAuth } from '../require-auth.js';
import { renderError } from '../routes/error-page.js';
import { handleError } from '../routes/handle-error.js';
import type { OAuthRuntime } from '../runtime.js';
import { createBearerGuard } from './bearer-guard.js';
import { setChallenges } from './challenge.js';
import { presentedToken } from './credentials.js';
import type { OAuthPresentedToken } from './credentials.js';
import type { RequireBearerOptions } from './option-types.js';
import { resolveBearerOptions } from './options.js';
import type { ResolvedBearerOptions } from './options.js';

function missingMiddleware(name: string, req: Request, res: Response): void {
  renderError(
    new OAuthError(`${name} needs oauthMiddleware() mounted before it, on the same app`, {
      code: 'OAUTH_INTERNAL_ERROR',
    }),
    req,
    res,
  );
}

/**
 * The token the request presents (undefined: none); false when it was refused (a token in the
 * URL, say), answered at once.
 */
function readPresented(
  runtime: OAuthRuntime,
  settings: ResolvedBearerOptions,
  req: Request,
  res: Response,
  next: NextFunction,
): OAuthPresentedToken | undefined | false {
  try {
    return presentedToken(req);
  } catch (error) {
    if (error instanceof OAuthError) {
      const context = {
        scheme: undefined,
        dpopRequired: settings.dpop.required,
        scopes: settings.scopes,
      };
      setChallenges(res, error, context, undefined);
    }
    handleError(runtime.options, error, req, res, next);
    return false;
  }
}

/**
 * Guards an API route with access tokens: `Authorization: Bearer <token>`, or `DPoP <token>`
 * with a proof. A JWT access token (RFC 9068) is verified against the provider's keys, an opaque
 * one by introspection (RFC 7662, cached); DPoP-bound and certificate-bound tokens must come with
 * their key or certificate. `req.oauthUser` is set from the token, as `requireAuth()` sets it
 * from the session, so a handler works behind either.
 *
 * Refusals answer 401 (or 403 for a missing scope or claim) with RFC 6750 / RFC 9449 challenges in
 * `WWW-Authenticate` and the package's JSON error body (or the middleware's `onError`). Options
 * are validated here, at creation; the provider is found at the first request, through the
 * `oauthMiddleware()` mounted before.
 *
 * @example
 * ```ts
 * app.use(oauthMiddleware(options));
 * app.get('/api/orders', requireBearer({ audience: 'https://api.example.com', scopes: 'orders:read' }), (req, res) => {
 *   res.json(listOrders(req.oauthUser!.sub));
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 * @see https://www.rfc-editor.org/rfc/rfc9068
 * @see https://www.rfc-editor.org/rfc/rfc7662
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function requireBearer(options: RequireBearerOptions) {
  const settings = resolveBearerOptions(options);
  const guard = createBearerGuard(settings);
  const given = runtimeOfMiddleware(settings.middleware);
  return function oauthRequireBearer(req: Request, res: Response, next: NextFunction): void {
    const runtime = given ?? OAuthContext.runtimeOf(req.oauth);
    if (runtime === undefined) {
      missingMiddleware('requireBearer()', req, res);
      return;
    }
    const presented = readPresented(runtime, settings, req, res, next);
    if (presented !== false) guard(runtime, req, res, next, presented);
  };
}

/**
 * Guards a route used both by the application's browser pages (a signed-in session) and by other
 * clients (an access token): a request with an `Authorization: Bearer` or `DPoP` token is checked
 * as {@link requireBearer} checks it, one without is checked as `requireAuth({ redirect: false })`
 * with the same `scopes` and `claims` when a user is signed in, and answered 401 with a bearer
 * challenge otherwise. `req.oauthUser` is set either way.
 *
 * @example
 * ```ts
 * app.get('/api/me', requireAuthOrBearer({ audience: 'https://api.example.com' }), (req, res) => {
 *   res.json(req.oauthUser);
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireAuthOrBearer(options: RequireBearerOptions) {
  const settings = resolveBearerOptions(options);
  const guard = createBearerGuard(settings);
  const session = requireAuth({
    scopes: settings.scopes,
    claims: Object.fromEntries(settings.claims),
    redirect: false,
  });
  const given = runtimeOfMiddleware(settings.middleware);
  return function oauthRequireAuthOrBearer(req: Request, res: Response, next: NextFunction): void {
    const runtime = given ?? OAuthContext.runtimeOf(req.oauth);
    if (runtime === undefined) {
      missingMiddleware('requireAuthOrBearer()', req, res);
      return;
    }
    const presented = readPresented(runtime, settings, req, res, next);
    if (presented === false) return;
    if (presented === undefined && inspectSignIn(runtime, req).state !== 'none') {
      session(req, res, next);
      return;
    }
    guard(runtime, req, res, next, presented);
  };
}
