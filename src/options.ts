import type { NextFunction, Request, Response } from 'express';
import { codedTypeError } from './errors.js';
import type { OAuthError } from './errors.js';
import { suggestName } from './suggest-name.js';

/** Authorization request parameters added to the provider redirect (`prompt`, `login_hint`, ...). */
export type OAuthAuthorizationParams = Readonly<Record<string, string>>;

/** Where the middleware writes what it has to say; every method is optional. */
export interface OAuthLogger {
  warn?(message: string): void;
  error?(message: string, error?: unknown): void;
}

/** Renders or redirects for a failed flow; the default answers with an HTML page or JSON. */
export type OAuthErrorHandler = (
  error: OAuthError,
  req: Request,
  res: Response,
  next: NextFunction,
) => void;

/** Route paths mounted by the middleware; `false` turns a route off. */
export interface OAuthRoutes {
  /** GET, starts a login. Default `/login`. */
  login?: string | false;
  /** GET, the `redirect_uri` the provider sends the browser back to. Default `/callback`. */
  callback?: string | false;
  /** POST, ends the session. Default `/logout`. */
  logout?: string | false;
}

/** Options of `oauthMiddleware()` for one OpenID Connect provider found by discovery. */
export interface OAuthOptions {
  /** The provider's issuer identifier; its metadata is discovered from `/.well-known/openid-configuration`. */
  issuer: string | URL;
  /** The client identifier registered at the provider. */
  clientId: string;
  /** The client secret; omit it only with `tokenEndpointAuthMethod: 'none'` (public client). */
  clientSecret?: string;
  /** The application's public origin and optional path prefix, e.g. `https://app.example.com`. */
  baseURL: string | URL;
  /** Space-separated scopes. Default `openid profile email`. */
  scope?: string;
  /** How the client authenticates at the token endpoint. Default `client_secret_basic` (`none` without a secret). */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Route paths, relative to where the middleware is mounted. */
  routes?: OAuthRoutes;
  /** Path or absolute URL (same origin as `baseURL`) the provider sends the user to after logout. Default `/`. */
  postLogoutRedirect?: string;
  /** Extra authorization parameters for every login, or a function of the request for per-request ones. */
  authorizationParams?: OAuthAuthorizationParams | ((req: Request) => OAuthAuthorizationParams);
  /** Call the userinfo endpoint at login and merge its claims into `req.oauthUser`. Default `false`. */
  fetchUserInfo?: boolean;
  /** Verify the ID token signature against the provider's JWKS. Default `true`. */
  verifyIdTokenSignature?: boolean;
  /** Milliseconds every provider request may take. Default `10000`. */
  timeout?: number;
  /** Seconds of clock difference tolerated when checking token timestamps. Default `60`. */
  clockTolerance?: number;
  /** Seconds a pending login stays valid. Default `600`. */
  transactionMaxAge?: number;
  /** Pending logins kept per browser session (several tabs); the oldest is dropped beyond it. Default `5`. */
  maxTransactions?: number;
  /** Seconds an ID token's `iat` may lie in the past at the callback. Default `600`. */
  idTokenMaxAge?: number;
  /** Seconds before an access token's expiry at which it is refreshed. Default `30`. */
  refreshLeeway?: number;
  /** Allow an `http://` issuer on a non-loopback host. Default `false`; never do this in production. */
  allowInsecureHttp?: boolean;
  /** Render or redirect on failures instead of the default page. */
  onError?: OAuthErrorHandler;
  /** Where warnings and server-side failures are written. Default `console`; `false` silences it. */
  logger?: OAuthLogger | false;
}

/** The options after validation and defaults; internal. */
export interface ResolvedOptions {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly baseURL: URL;
  readonly scope: string;
  readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly routes: { login: string | false; callback: string | false; logout: string | false };
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly authorizationParams: (req: Request) => OAuthAuthorizationParams;
  readonly fetchUserInfo: boolean;
  readonly verifyIdTokenSignature: boolean;
  readonly timeout: number;
  readonly clockTolerance: number;
  readonly transactionMaxAge: number;
  readonly maxTransactions: number;
  readonly idTokenMaxAge: number;
  readonly refreshLeeway: number;
  readonly allowInsecureHttp: boolean;
  readonly onError: OAuthErrorHandler | undefined;
  readonly logger: Required<OAuthLogger>;
}

const KNOWN_OPTIONS = [
  'issuer',
  'clientId',
  'clientSecret',
  'baseURL',
  'scope',
  'tokenEndpointAuthMethod',
  'routes',
  'postLogoutRedirect',
  'authorizationParams',
  'fetchUserInfo',
  'verifyIdTokenSignature',
  'timeout',
  'clockTolerance',
  'transactionMaxAge',
  'maxTransactions',
  'idTokenMaxAge',
  'refreshLeeway',
  'allowInsecureHttp',
  'onError',
  'logger',
] as const satisfies readonly (keyof OAuthOptions)[];

/** Parameters the middleware owns: letting an application set them would weaken the flow. */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

const silentLogger: Required<OAuthLogger> = { warn() {}, error() {} };

const consoleLogger: Required<OAuthLogger> = {
  warn: (message) => console.warn(`[express-oauth-rp] ${message}`),
  error: (message, error) =>
    console.error(
      `[express-oauth-rp] ${message}`,
      error instanceof Error ? `(${error.name}: ${error.message})` : '',
    ),
};

function invalid(name: string, expectation: string): TypeError {
  return codedTypeError(`"options.${name}" must be ${expectation}`, 'ERR_INVALID_ARG_VALUE');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const hint = suggestName(key, known);
    throw codedTypeError(
      `unknown option "${prefix}${key}"${hint === undefined ? '' : `; did you mean "${prefix}${hint}"?`}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
}

function readUrl(name: string, value: unknown): URL {
  if (!(value instanceof URL) && typeof value !== 'string') throw invalid(name, 'an absolute URL');
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(url.protocol);
    return url;
  } catch {
    throw invalid(name, 'an absolute http(s) URL');
  }
}

function readString(name: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(name, 'a non-empty string');
  return value;
}

function readBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean');
  return value;
}

function readNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, `a finite number >= ${min}`);
  }
  return value;
}

function readRoute(name: string, value: unknown, fallback: string): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'string' || !/^\/[\w\-./]*$/.test(value) || value.includes('//')) {
    throw invalid(
      `routes.${name}`,
      'a path starting with "/" (letters, digits, "-", "_", ".", "/") or false',
    );
  }
  return value;
}

function readAuthorizationParams(value: unknown): (req: Request) => OAuthAuthorizationParams {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') {
    return value as (req: Request) => OAuthAuthorizationParams;
  }
  if (!isRecord(value)) throw invalid('authorizationParams', 'an object of strings or a function');
  const params = checkAuthorizationParams(value, (message) =>
    invalid('authorizationParams', message),
  );
  return () => params;
}

/**
 * Checks authorization parameters given by the application, at creation time for static ones and
 * per request for dynamic ones, so none can override the parameters that protect the flow.
 */
export function checkAuthorizationParams(
  params: Record<string, unknown>,
  fail: (message: string) => Error,
): OAuthAuthorizationParams {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(key)) {
      throw fail(`free of "${key}", which the middleware sets itself`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail(`an object of strings ("${key}" is ${typeof value})`);
    checked[key] = value;
  }
  return checked;
}

function readLogger(value: unknown): Required<OAuthLogger> {
  if (value === undefined) return consoleLogger;
  if (value === false) return silentLogger;
  if (!isRecord(value)) throw invalid('logger', 'an object with warn() and error(), or false');
  const warn = typeof value.warn === 'function' ? value.warn.bind(value) : silentLogger.warn;
  const error = typeof value.error === 'function' ? value.error.bind(value) : silentLogger.error;
  return { warn, error };
}

function checkIssuerSecurity(issuer: URL, allowInsecureHttp: boolean): void {
  if (issuer.protocol === 'https:' || allowInsecureHttp || isLoopbackHost(issuer.hostname)) return;
  throw codedTypeError(
    `"options.issuer" must use https:// (http:// is allowed only for localhost, 127.0.0.1 and [::1]); set "options.allowInsecureHttp: true" to accept ${issuer.origin} anyway`,
    'ERR_INVALID_ARG_VALUE',
  );
}

function resolvePostLogout(value: unknown, baseURL: URL): string {
  const raw = readString('postLogoutRedirect', value, '/');
  const url = new URL(raw.startsWith('/') ? `.${raw}` : raw, withTrailingSlash(baseURL));
  if (url.origin !== baseURL.origin) {
    throw invalid('postLogoutRedirect', `a path or a URL on ${baseURL.origin}`);
  }
  return url.href;
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

/**
 * Validates the options given to `oauthMiddleware()` and fills in the defaults, so every mistake
 * surfaces when the app starts, not at the first login.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (!isRecord(input)) {
    throw codedTypeError('"options" must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  rejectUnknownKeys(input, KNOWN_OPTIONS, '');
  const baseURL = readUrl('baseURL', input.baseURL);
  if (baseURL.search !== '' || baseURL.hash !== '') {
    throw invalid('baseURL', 'a URL without query or fragment');
  }
  const issuer = readUrl('issuer', input.issuer);
  const allowInsecureHttp = readBoolean('allowInsecureHttp', input.allowInsecureHttp, false);
  checkIssuerSecurity(issuer, allowInsecureHttp);
  const clientSecret =
    input.clientSecret === undefined ? undefined : readString('clientSecret', input.clientSecret);
  const authMethod =
    input.tokenEndpointAuthMethod ?? (clientSecret ? 'client_secret_basic' : 'none');
  if (
    authMethod !== 'client_secret_basic' &&
    authMethod !== 'client_secret_post' &&
    authMethod !== 'none'
  ) {
    throw invalid(
      'tokenEndpointAuthMethod',
      '"client_secret_basic", "client_secret_post" or "none"',
    );
  }
  if (authMethod !== 'none' && clientSecret === undefined) {
    throw codedTypeError(
      `"options.clientSecret" is required with tokenEndpointAuthMethod "${authMethod}"; set tokenEndpointAuthMethod: 'none' for a public client`,
      'ERR_MISSING_OPTION',
    );
  }
  const routes = input.routes ?? {};
  if (!isRecord(routes)) throw invalid('routes', 'an object');
  rejectUnknownKeys(routes, ['login', 'callback', 'logout'], 'routes.');
  const resolvedRoutes = {
    login: readRoute('login', routes.login, '/login'),
    callback: readRoute('callback', routes.callback, '/callback'),
    logout: readRoute('logout', routes.logout, '/logout'),
  };
  if (input.onError !== undefined && typeof input.onError !== 'function') {
    throw invalid('onError', 'a function (err, req, res, next)');
  }
  return {
    issuer,
    clientId: readString('clientId', input.clientId),
    clientSecret,
    baseURL,
    scope: readString('scope', input.scope, 'openid profile email'),
    tokenEndpointAuthMethod: authMethod,
    routes: resolvedRoutes,
    redirectUri: routeUrl(baseURL, resolvedRoutes.callback || '/callback'),
    postLogoutRedirectUri: resolvePostLogout(input.postLogoutRedirect, baseURL),
    authorizationParams: readAuthorizationParams(input.authorizationParams),
    fetchUserInfo: readBoolean('fetchUserInfo', input.fetchUserInfo, false),
    verifyIdTokenSignature: readBoolean(
      'verifyIdTokenSignature',
      input.verifyIdTokenSignature,
      true,
    ),
    timeout: readNumber('timeout', input.timeout, 10_000, 1),
    clockTolerance: readNumber('clockTolerance', input.clockTolerance, 60, 0),
    transactionMaxAge: readNumber('transactionMaxAge', input.transactionMaxAge, 600, 1),
    maxTransactions: Math.floor(readNumber('maxTransactions', input.maxTransactions, 5, 1)),
    idTokenMaxAge: readNumber('idTokenMaxAge', input.idTokenMaxAge, 600, 1),
    refreshLeeway: readNumber('refreshLeeway', input.refreshLeeway, 30, 0),
    allowInsecureHttp,
    onError: input.onError as OAuthErrorHandler | undefined,
    logger: readLogger(input.logger),
  };
}
