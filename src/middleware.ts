import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { callbackRoute } from './callback.js';
import { OAuthContext, usableAuthentication } from './context.js';
import { loginRoute } from './login.js';
import { logoutRoute } from './logout.js';
import { resolveOptions, routeUrl } from './options.js';
import type { OAuthOptions } from './options.js';
import { createOidcProvider } from './providers/oidc.js';
import { RefreshCoordinator } from './refresh.js';
import { handleError } from './render-error.js';
import { bindRuntime } from './runtime.js';
import type { OAuthRuntime } from './runtime.js';
import { assertSession } from './session.js';

/**
 * Turns an Express app into an OpenID Connect relying party: mounts GET `/login`, GET `/callback`
 * and POST `/logout`, and sets `req.oauthUser` and `req.oauth` for every later handler.
 *
 * Options are validated here, at creation, so a typo fails at start-up with a hint rather than at
 * the first login. The provider's metadata is discovered at the first login, then cached.
 *
 * @example
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false }));
 * app.use(oauthMiddleware({ issuer, clientId, clientSecret, baseURL, scope: 'openid profile email' }));
 * app.get('/me', requireAuth(), (req, res) => res.json(req.oauthUser));
 * ```
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.rfc-editor.org/rfc/rfc9700 (OAuth 2.0 Security Best Current Practice)
 */
export function oauthMiddleware(options: OAuthOptions): Router {
  const resolved = resolveOptions(options);
  const { routes } = resolved;
  const runtime: OAuthRuntime = {
    options: resolved,
    provider: createOidcProvider(resolved, 'default'),
    refresher: new RefreshCoordinator(),
    loginPath:
      routes.login === false
        ? undefined
        : new URL(routeUrl(resolved.baseURL, routes.login)).pathname,
  };

  const router = Router();
  router.use(function oauthContext(req: Request, res: Response, next: NextFunction): void {
    try {
      assertSession(req);
    } catch (error) {
      handleError(resolved, error, req, res, next);
      return;
    }
    bindRuntime(req, runtime);
    req.oauth = new OAuthContext(runtime, req, res);
    req.oauthUser = usableAuthentication(req)?.user;
    next();
  });
  if (routes.login !== false) router.get(routes.login, loginRoute(runtime));
  if (routes.callback !== false) router.all(routes.callback, callbackRoute(runtime));
  if (routes.logout !== false) router.all(routes.logout, logoutRoute(runtime));
  return router;
}
