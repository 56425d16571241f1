import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { backchannelLogoutRoutes } from './backchannel-logout.js';
import { callbackRoute } from './callback.js';
import { OAuthContext, usableAuthentication } from './context.js';
import { chooserRoute, loginRoute } from './login.js';
import { logoutRoute } from './logout.js';
import { resolveOptions, routeUrl } from './options.js';
import type { OAuthMiddlewareOptions, ResolvedOptions } from './options.js';
import { createProviderClient } from './providers/create-provider.js';
import type { OAuthProviderClient } from './providers/provider.js';
import { RefreshCoordinator } from './refresh.js';
import { handleError } from './render-error.js';
import type { OAuthRuntime } from './runtime.js';
import { assertSession } from './session.js';
import { sessionSettingWarnings } from './session-settings.js';

/** The router `oauthMiddleware()` returns, with the URLs to register at each provider. */
export type OAuthRouter = Router & {
  /** Provider name → the exact `redirect_uri` to register at that provider. */
  readonly redirectUris: Readonly<Record<string, string>>;
  /** The post-logout redirect URI to register at providers that support RP-initiated logout. */
  readonly postLogoutRedirectUri: string;
  /**
   * Discovers every OpenID Connect provider now, so a wrong issuer or an unreachable provider is
   * known at start-up rather than at the first login. Rejects with the first provider's
   * OAuthError; logins keep retrying discovery either way.
   *
   * @example
   * ```ts
   * const oauth = oauthMiddleware(options);
   * await oauth.ready();
   * app.use(oauth);
   * ```
   */
  ready(): Promise<void>;
};

/**
 * Turns an Express app into an OAuth 2.0 / OpenID Connect relying party: mounts GET `/login`,
 * GET `/callback` and POST `/logout` (`/login/:provider` and `/callback/:provider` with several
 * providers), and sets `req.oauthUser` and `req.oauth` for every later handler.
 *
 * Options are validated here, at creation, so a typo fails at start-up with a hint rather than at
 * the first login. An OpenID Provider's metadata is discovered at the first login, then cached.
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
export function oauthMiddleware(options: OAuthMiddlewareOptions): OAuthRouter {
  const resolved = resolveOptions(options);
  const { routes } = resolved;
  const providers = new Map<string, OAuthProviderClient>();
  for (const [name, provider] of resolved.providers) {
    providers.set(name, createProviderClient(resolved, provider));
  }
  const loginPath =
    routes.login === false ? undefined : new URL(routeUrl(resolved.baseURL, routes.login)).pathname;
  const runtime: OAuthRuntime = {
    options: resolved,
    providers,
    refresher: new RefreshCoordinator(),
    refreshLock: resolved.refreshLock,
    loginPath,
  };

  let settingsChecked = false;
  const router = Router();
  function oauthContext(req: Request, res: Response, next: NextFunction): void {
    try {
      assertSession(req);
    } catch (error) {
      handleError(resolved, error, req, res, next);
      return;
    }
    if (!settingsChecked) {
      settingsChecked = true;
      for (const warning of sessionSettingWarnings(req, resolved)) resolved.logger.warn(warning);
    }
    req.oauth = new OAuthContext(runtime, req, res);
    req.oauthUser = usableAuthentication(req)?.user;
    next();
  }
  router.use(oauthContext);
  if (resolved.multi) {
    if (routes.login !== false && loginPath !== undefined) {
      router.get(routes.login, chooserRoute(runtime, loginPath));
      router.get(`${routes.login}/:provider`, loginRoute(runtime));
    }
    if (routes.callback !== false)
      router.all(`${routes.callback}/:provider`, callbackRoute(runtime));
  } else {
    if (routes.login !== false) router.get(routes.login, loginRoute(runtime));
    if (routes.callback !== false) router.all(routes.callback, callbackRoute(runtime));
  }
  if (routes.logout !== false) router.all(routes.logout, logoutRoute(runtime));
  if (routes.backchannelLogout !== false) {
    const path = resolved.multi
      ? `${routes.backchannelLogout}/:provider`
      : routes.backchannelLogout;
    router.all(path, ...backchannelLogoutRoutes(runtime));
  }
  skipRoutesThatCannotMatch(router, routes, oauthContext);
  const redirectUris = Object.fromEntries(
    [...resolved.providers].map(([name, provider]) => [name, provider.redirectUri]),
  );
  return Object.assign(router, {
    redirectUris,
    postLogoutRedirectUri: resolved.postLogoutRedirectUri,
    async ready(): Promise<void> {
      await Promise.all([...providers.values()].map((provider) => provider.ready?.()));
    },
  });
}

type Handler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * Express's router leaves a router that answered nothing through `setImmediate`: an event-loop
 * turn on every request of the application, for the middleware mounted before its routes. A
 * request that none of the routes can match runs the context middleware alone and goes on at
 * once. Routes are literal paths (see `readRoute()` in options.ts) matched regardless of case,
 * so a path that starts with none of them cannot match one; anything else (an absolute-form URL,
 * layers the application added to the router) goes through the router as before.
 */
function skipRoutesThatCannotMatch(
  router: Router,
  routes: ResolvedOptions['routes'],
  oauthContext: Handler,
): void {
  const paths = [routes.login, routes.callback, routes.logout, routes.backchannelLogout].filter(
    (path): path is string => path !== false,
  );
  const escaped = paths.map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // With every route turned off, nothing can match: (?!) never does.
  const ownRoute = new RegExp(paths.length === 0 ? '(?!)' : `^(?:${escaped.join('|')})`, 'i');
  const layers = router.stack.length;
  const dispatcher = router as unknown as { handle: Handler };
  const dispatch = dispatcher.handle;
  dispatcher.handle = function oauthRouter(req, res, next) {
    const url = req.url;
    if (router.stack.length === layers && url.startsWith('/') && !ownRoute.test(url)) {
      oauthContext(req, res, next);
      return;
    }
    dispatch.call(router, req, res, next);
  };
}
