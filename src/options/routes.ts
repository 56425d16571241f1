import type { OAuthRoutes } from './route-types.js';
import { invalid, isRecord, readString, rejectUnknownKeys } from './readers.js';

/** The route paths after validation; internal. */
export interface ResolvedRoutes {
  readonly login: string | false;
  readonly callback: string;
  readonly logout: string | false;
  readonly backchannelLogout: string | false;
  /** `undefined` until the providers are known: on when one has a `clientPrivateKey`. */
  readonly jwks: string | false | undefined;
  readonly health?: string | false;
}

const ROUTE_KEYS = [
  'login',
  'callback',
  'logout',
  'backchannelLogout',
  'jwks',
  'health',
] as const satisfies readonly (keyof OAuthRoutes)[];

const everyRouteListed: Record<Exclude<keyof OAuthRoutes, (typeof ROUTE_KEYS)[number]>, never> = {};
void everyRouteListed;

const PATH = 'a path starting with "/" (letters, digits, "-", "_", ".", "/")';

/** Literal paths only: the middleware matches them itself, case-insensitively, as Express does. */
function readPath(name: string, value: unknown, fallback: string | false, canBeOff: boolean) {
  if (value === undefined) return fallback;
  if (value === false && canBeOff) return false;
  if (typeof value !== 'string' || !/^\/[\w\-./]*$/.test(value) || value.includes('//')) {
    throw invalid(`routes.${name}`, canBeOff ? `${PATH} or false` : PATH);
  }
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

export function resolveRoutes(value: unknown): ResolvedRoutes {
  const routes = value ?? {};
  if (!isRecord(routes)) throw invalid('routes', 'an object');
  rejectUnknownKeys(routes, ROUTE_KEYS, 'routes.');
  if (routes.callback === false) {
    throw invalid(
      'routes.callback',
      `${PATH}; it cannot be turned off, since no login could finish without it`,
    );
  }
  const resolved: ResolvedRoutes = {
    login: readPath('login', routes.login, '/login', true),
    callback: readPath('callback', routes.callback, '/callback', false) as string,
    logout: readPath('logout', routes.logout, '/logout', true),
    backchannelLogout: readPath('backchannelLogout', routes.backchannelLogout, false, true),
    jwks: routes.jwks === undefined ? undefined : readPath('jwks', routes.jwks, false, true),
    health: readPath('health', routes.health, false, true),
  };
  const seen = new Map<string, string>();
  for (const [name, path] of Object.entries(resolved)) {
    if (path === false || path === undefined) continue;
    const other = seen.get(path.toLowerCase());
    if (other !== undefined) {
      throw invalid(`routes.${name}`, `another path than "routes.${other}" (both are "${path}")`);
    }
    seen.set(path.toLowerCase(), name);
  }
  return resolved;
}

function withTrailingSlash(url: URL): URL {
  const copy = new URL(url);
  copy.search = '';
  copy.hash = '';
  if (!copy.pathname.endsWith('/')) copy.pathname += '/';
  return copy;
}

/** Joins a route path under `baseURL`, keeping the base URL's own path prefix. */
export function routeUrl(baseURL: URL, path: string): string {
  return new URL(`.${path}`, withTrailingSlash(baseURL)).href;
}

/** `postLogoutRedirect`: a path under `baseURL` or a URL on its origin, never another site. */
export function resolvePostLogout(value: unknown, baseURL: URL): string {
  const raw = readString('postLogoutRedirect', value, '/');
  const url = new URL(raw.startsWith('/') ? `.${raw}` : raw, withTrailingSlash(baseURL));
  if (url.origin !== baseURL.origin) {
    throw invalid('postLogoutRedirect', `a path or a URL on ${baseURL.origin}`);
  }
  return url.href;
}
