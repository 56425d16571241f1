import type { NextFunction, Request, Response } from 'express';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { backchannelLogoutRoute } from './backchannel-logout.js';
import { callbackRoute } from './callback.js';
import { chooserRoute } from './chooser.js';
import { handleError } from './handle-error.js';
import { healthRoute } from './health.js';
import { jwksRoute } from './jwks.js';
import { loginRoute } from './login.js';
import { logoutRoute } from './logout.js';

/** A route of the package, given the provider its path names (or the default one). */
export type OAuthRouteHandler = (
  req: Request,
  res: Response,
  next: NextFunction,
  provider: OAuthProviderClient,
) => void;

/** One of the package's routes: a literal path, maybe followed by `/:provider`. */
interface Route {
  /** Lower case, without a trailing slash. */
  readonly path: string;
  /** Whether one more path segment names the provider (several providers). */
  readonly withProvider: boolean;
  /** GET routes also answer HEAD, as Express's do; others answer every method (and 405 themselves). */
  readonly getOnly: boolean;
  /** The handler: of one provider's route, or (`any`) of a route about no provider in particular. */
  readonly handle:
    OAuthRouteHandler | { readonly any: (req: Request, res: Response, next: NextFunction) => void };
}

/** Answers the request when its path is one of the package's routes; false lets it go on. */
export type Dispatch = (req: Request, res: Response, next: NextFunction) => boolean;

/**
 * The package's few routes, matched as Express would match them (case-insensitively, with or
 * without a trailing slash, relative to where the middleware is mounted) but without a Router:
 * a request for any other path costs one string comparison per route.
 */
export function createDispatch(runtime: OAuthRuntime): Dispatch {
  const { routes, multi, defaultProvider } = runtime.options;
  const table: Route[] = [];
  const add = (
    path: string | false,
    withProvider: boolean,
    getOnly: boolean,
    handle: Route['handle'],
  ) => {
    if (path !== false) table.push({ path: path.toLowerCase(), withProvider, getOnly, handle });
  };
  if (routes.login !== false && runtime.loginPath !== undefined) {
    const login = loginRoute(runtime);
    if (multi) {
      add(routes.login, false, true, { any: chooserRoute(runtime, runtime.loginPath) });
    }
    add(routes.login, multi, true, login);
  }
  add(routes.callback, multi, false, callbackRoute(runtime));
  add(routes.logout, false, false, { any: logoutRoute(runtime) });
  add(routes.backchannelLogout, multi, false, backchannelLogoutRoute(runtime));
  add(routes.jwks ?? false, false, true, { any: jwksRoute(runtime) });
  add(routes.health ?? false, false, true, { any: healthRoute(runtime) });

  return function dispatch(req, res, next) {
    const path = withoutTrailingSlash(req.path);
    // Lower-cased once per request, not once per route: every request of the app comes here.
    const lowerPath = path.toLowerCase();
    for (const route of table) {
      const name = providerSegment(path, lowerPath, route);
      if (name === undefined) continue;
      if (route.getOnly && req.method !== 'GET' && req.method !== 'HEAD') return false;
      if ('any' in route.handle) {
        route.handle.any(req, res, next);
        return true;
      }
      let provider: OAuthProviderClient;
      try {
        provider = runtime.providers.pick(name ?? (multi ? undefined : defaultProvider));
      } catch (error) {
        handleError(runtime.options, error, req, res, next);
        return true;
      }
      route.handle(req, res, next, provider);
      return true;
    }
    return false;
  };
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Whether `path` (and `lowerPath`, the same lower-cased) is this route: `null` for a match without
 * a provider segment, the decoded provider name for a match with one, `undefined` for no match.
 */
function providerSegment(path: string, lowerPath: string, route: Route): string | null | undefined {
  // Route paths match regardless of case, as in Express; a provider name keeps its case.
  if (!route.withProvider) return lowerPath === route.path ? null : undefined;
  const prefix = route.path === '/' ? '/' : `${route.path}/`;
  if (!lowerPath.startsWith(prefix)) return undefined;
  const segment = path.slice(prefix.length);
  if (segment === '' || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
