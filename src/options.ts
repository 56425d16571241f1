import type { NextFunction, Request, Response } from 'express';
import { codedTypeError } from './errors.js';
import type { OAuthError } from './errors.js';
import { createMemoryRefreshLock } from './refresh-lock.js';
import type { OAuthRefreshLock } from './refresh-lock.js';
import {
  invalid,
  isRecord,
  readFunction,
  readNumber,
  readString,
  readUrl,
  rejectUnknownKeys,
} from './option-readers.js';
import { PROVIDER_KEYS, resolveProviderOptions } from './provider-options.js';
import type { ResolvedProvider } from './provider-options.js';
import type {
  OAuthCustomProvider,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
  OAuthProviderOptions,
} from './provider-types.js';

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
  /** GET, starts a login (`/login/:provider` with several providers). Default `/login`. */
  login?: string | false;
  /** GET, the `redirect_uri` (`/callback/:provider` with several providers). Default `/callback`. */
  callback?: string | false;
  /** POST, ends the session. Default `/logout`. */
  logout?: string | false;
  /**
   * POST, OpenID Connect Back-Channel Logout (`/backchannel-logout/:provider` with several
   * providers): register it at the provider as `backchannel_logout_uri`. Default `/backchannel-logout`.
   */
  backchannelLogout?: string | false;
}

/** Options shared by every provider. */
export interface OAuthSharedOptions {
  /** The application's public origin and optional path prefix, e.g. `https://app.example.com`. */
  baseURL: string | URL;
  /** Route paths, relative to where the middleware is mounted. */
  routes?: OAuthRoutes;
  /** Path or absolute URL (same origin as `baseURL`) the provider sends the user to after logout. Default `/`. */
  postLogoutRedirect?: string;
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
  /** Render or redirect on failures instead of the default page. */
  onError?: OAuthErrorHandler;
  /**
   * One refresh at a time across app instances that share the session store. Default: an
   * in-process lock; use `createRedisRefreshLock(client)` with several instances.
   */
  refreshLock?: OAuthRefreshLock;
  /** Where warnings and server-side failures are written. Default `console`; `false` silences it. */
  logger?: OAuthLogger | false;
}

/** Several providers at once, mounted as `/login/:provider` and `/callback/:provider`. */
export interface OAuthMultiProviderOptions {
  providers: Readonly<Record<string, OAuthProviderOptions>>;
  /** The provider GET `/login` (and `requireAuth()`) starts with; without it, `/login` lists them. */
  defaultProvider?: string;
}

/** Options of `oauthMiddleware()` for one OpenID Connect provider: the common case. */
export interface OAuthOptions extends OAuthSharedOptions, OAuthOidcProvider {}

/**
 * Every form `oauthMiddleware()` accepts: the shared options with one provider's options at the
 * top level (OpenID Connect, plain OAuth 2.0 or a custom adapter), or with `providers` for several.
 */
export type OAuthMiddlewareOptions =
  | OAuthOptions
  | (OAuthSharedOptions & OAuthOAuth2Provider)
  | (OAuthSharedOptions & OAuthCustomProvider)
  | (OAuthSharedOptions & OAuthMultiProviderOptions);

/** The options after validation and defaults; internal. */
export interface ResolvedOptions {
  readonly baseURL: URL;
  readonly routes: {
    login: string | false;
    callback: string | false;
    logout: string | false;
    backchannelLogout: string | false;
  };
  readonly postLogoutRedirectUri: string;
  readonly timeout: number;
  readonly clockTolerance: number;
  readonly transactionMaxAge: number;
  readonly maxTransactions: number;
  readonly idTokenMaxAge: number;
  readonly refreshLeeway: number;
  readonly onError: OAuthErrorHandler | undefined;
  readonly logger: Required<OAuthLogger>;
  readonly refreshLock: OAuthRefreshLock;
  /** False for the single-provider form, whose routes carry no provider name. */
  readonly multi: boolean;
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly defaultProvider: string | undefined;
}

const SHARED_KEYS = [
  'baseURL',
  'routes',
  'postLogoutRedirect',
  'timeout',
  'clockTolerance',
  'transactionMaxAge',
  'maxTransactions',
  'idTokenMaxAge',
  'refreshLeeway',
  'onError',
  'logger',
  'refreshLock',
] as const satisfies readonly (keyof OAuthSharedOptions)[];

const MULTI_KEYS = ['providers', 'defaultProvider'];

/** The provider name of the single-provider form, as `req.oauthUser.provider` shows it. */
export const DEFAULT_PROVIDER = 'default';

const silentLogger: Required<OAuthLogger> = { warn() {}, error() {} };

const consoleLogger: Required<OAuthLogger> = {
  warn: (message) => console.warn(`[express-oauth-rp] ${message}`),
  error: (message, error) =>
    console.error(
      `[express-oauth-rp] ${message}`,
      error instanceof Error ? `(${error.name}: ${error.message})` : '',
    ),
};

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

function readLogger(value: unknown): Required<OAuthLogger> {
  if (value === undefined) return consoleLogger;
  if (value === false) return silentLogger;
  if (!isRecord(value)) throw invalid('logger', 'an object with warn() and error(), or false');
  const warn = typeof value.warn === 'function' ? value.warn.bind(value) : silentLogger.warn;
  const error = typeof value.error === 'function' ? value.error.bind(value) : silentLogger.error;
  return { warn, error };
}

function readRefreshLock(value: unknown): OAuthRefreshLock {
  if (value === undefined) return createMemoryRefreshLock();
  if (
    !isRecord(value) ||
    typeof value.acquire !== 'function' ||
    typeof value.release !== 'function'
  ) {
    throw invalid(
      'refreshLock',
      'an object with acquire() and release(), e.g. createRedisRefreshLock(client)',
    );
  }
  return value as unknown as OAuthRefreshLock;
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

function resolvePostLogout(value: unknown, baseURL: URL): string {
  const raw = readString('postLogoutRedirect', value, '/');
  const url = new URL(raw.startsWith('/') ? `.${raw}` : raw, withTrailingSlash(baseURL));
  if (url.origin !== baseURL.origin) {
    throw invalid('postLogoutRedirect', `a path or a URL on ${baseURL.origin}`);
  }
  return url.href;
}

function resolveProviders(
  input: Record<string, unknown>,
  baseURL: URL,
  callback: string,
): Map<string, ResolvedProvider> {
  const providers = new Map<string, ResolvedProvider>();
  if (input.providers === undefined) {
    const single = Object.fromEntries(
      Object.entries(input).filter(([key]) => !(SHARED_KEYS as readonly string[]).includes(key)),
    );
    rejectUnknownKeys(single, [...PROVIDER_KEYS, ...MULTI_KEYS], '');
    providers.set(
      DEFAULT_PROVIDER,
      resolveProviderOptions(DEFAULT_PROVIDER, '', single, routeUrl(baseURL, callback)),
    );
    return providers;
  }
  if (!isRecord(input.providers) || Object.keys(input.providers).length === 0) {
    throw invalid('providers', 'an object with at least one provider');
  }
  for (const [name, options] of Object.entries(input.providers)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(name)) {
      throw invalid(`providers.${name}`, 'named with letters, digits, "-" and "_"');
    }
    providers.set(
      name,
      resolveProviderOptions(
        name,
        `providers.${name}.`,
        options,
        routeUrl(baseURL, `${callback}/${name}`),
      ),
    );
  }
  return providers;
}

/**
 * Validates the options given to `oauthMiddleware()` and fills in the defaults, so every mistake
 * surfaces when the app starts, not at the first login.
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (!isRecord(input)) {
    throw codedTypeError('"options" must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  const multi = input.providers !== undefined;
  if (multi) rejectUnknownKeys(input, [...SHARED_KEYS, ...MULTI_KEYS], '');
  const baseURL = readUrl('baseURL', input.baseURL);
  if (baseURL.search !== '' || baseURL.hash !== '') {
    throw invalid('baseURL', 'a URL without query or fragment');
  }
  const routes = input.routes ?? {};
  if (!isRecord(routes)) throw invalid('routes', 'an object');
  rejectUnknownKeys(routes, ['login', 'callback', 'logout', 'backchannelLogout'], 'routes.');
  const resolvedRoutes = {
    login: readRoute('login', routes.login, '/login'),
    callback: readRoute('callback', routes.callback, '/callback'),
    logout: readRoute('logout', routes.logout, '/logout'),
    backchannelLogout: readRoute(
      'backchannelLogout',
      routes.backchannelLogout,
      '/backchannel-logout',
    ),
  };
  const providers = resolveProviders(input, baseURL, resolvedRoutes.callback || '/callback');
  const defaultProvider = multi
    ? input.defaultProvider === undefined
      ? undefined
      : readString('defaultProvider', input.defaultProvider)
    : DEFAULT_PROVIDER;
  if (defaultProvider !== undefined && !providers.has(defaultProvider)) {
    throw invalid(
      'defaultProvider',
      `one of ${[...providers.keys()].map((n) => `"${n}"`).join(', ')}`,
    );
  }
  return {
    baseURL,
    routes: resolvedRoutes,
    postLogoutRedirectUri: resolvePostLogout(input.postLogoutRedirect, baseURL),
    timeout: readNumber('timeout', input.timeout, 10_000, 1),
    clockTolerance: readNumber('clockTolerance', input.clockTolerance, 60, 0),
    transactionMaxAge: readNumber('transactionMaxAge', input.transactionMaxAge, 600, 1),
    maxTransactions: Math.floor(readNumber('maxTransactions', input.maxTransactions, 5, 1)),
    idTokenMaxAge: readNumber('idTokenMaxAge', input.idTokenMaxAge, 600, 1),
    refreshLeeway: readNumber('refreshLeeway', input.refreshLeeway, 30, 0),
    onError: readFunction('onError', input.onError, 'a function (err, req, res, next)'),
    logger: readLogger(input.logger),
    refreshLock: readRefreshLock(input.refreshLock),
    multi,
    providers,
    defaultProvider,
  };
}
