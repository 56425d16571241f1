import type { OAuthRefreshLock } from '../refresh/locks.js';
import { createMemoryRefreshLock } from '../refresh/locks.js';
import type { Request } from 'express';
import { createSecretKeys, readSecrets } from '../session/secret-keys.js';
import type { SecretKeys } from '../session/secret-keys.js';
import { readLogger } from './logger.js';
import type { ResolvedLogger } from './logger.js';
import type { OAuthPages } from './page-types.js';
import { readAllow, readIdleDuration, readLogoutParams, readSilentLogin } from './policy.js';
import type { ResolvedAllow } from './policy.js';
import type { OAuthLogoutParams, OAuthSignInHook } from './policy-types.js';
import { resolveProviderOptions } from './provider.js';
import type { ResolvedProvider } from './provider.js';
import { PROVIDER_KEYS } from './provider-keys.js';
import {
  invalid,
  isRecord,
  readBoolean,
  readFunction,
  readMaxResponseBytes,
  readNumber,
  readOptionsObject,
  readString,
  readUrl,
  rejectUnknownKeys,
} from './readers.js';
import { resolvePostLogout, resolveRoutes, routeUrl } from './routes.js';
import type { ResolvedRoutes } from './routes.js';
import { readTelemetry } from './telemetry.js';
import { readTenantProviders } from './tenant.js';
import type { ResolvedTenants } from './tenant.js';
import { DEFAULT_STORE_TIMEOUT } from '../session/store.js';
import type {
  OAuthErrorHandler,
  OAuthFetch,
  OAuthTelemetryOptions,
  OAuthMultiProviderOptions,
  OAuthSharedOptions,
} from './types.js';

/** The options after validation and defaults; internal. */
export interface ResolvedOptions {
  readonly baseURL: URL;
  /** Seals pending-login cookies and the tokens in the session. */
  readonly secretKeys: SecretKeys;
  readonly routes: ResolvedRoutes;
  readonly postLogoutRedirectUri: string;
  /** Milliseconds. */
  readonly timeout: number;
  /** Bytes a provider response may have. */
  readonly maxResponseBytes: number;
  /** Milliseconds a session-store call may take. */
  readonly storeTimeout: number;
  /** Seconds. */
  readonly clockTolerance: number;
  /** Seconds. */
  readonly transactionMaxAge: number;
  readonly maxTransactions: number;
  /** Seconds. */
  readonly idTokenMaxAge: number;
  /** Seconds. */
  readonly refreshLeeway: number;
  readonly onError: OAuthErrorHandler | undefined;
  readonly pages: Readonly<OAuthPages>;
  readonly logger: ResolvedLogger;
  readonly refreshLock: OAuthRefreshLock;
  /** False for the single-provider form, whose routes carry no provider name. */
  readonly multi: boolean;
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly defaultProvider: string | undefined;
  readonly allow: ResolvedAllow | undefined;
  readonly onSignIn: OAuthSignInHook | undefined;
  readonly onRefresh: OAuthSharedOptions['onRefresh'];
  readonly onLogout: OAuthSharedOptions['onLogout'];
  readonly revokeOnLogout: boolean;
  readonly logoutParams: (req: Request) => OAuthLogoutParams;
  readonly silentLogin: boolean;
  /** Seconds. */
  readonly absoluteDuration: number;
  /** Seconds; undefined: no idle limit. */
  readonly idleDuration: number | undefined;
  readonly fetch?: OAuthFetch | undefined;
  /** `undefined`: off. */
  readonly telemetry?: OAuthTelemetryOptions | undefined;
  /** Providers per tenant: `providers` is then empty, and each tenant's options are resolved per request. */
  readonly tenants?: ResolvedTenants | undefined;
}

const SHARED_KEYS = [
  'baseURL',
  'secret',
  'routes',
  'postLogoutRedirect',
  'timeout',
  'maxResponseBytes',
  'storeTimeout',
  'clockTolerance',
  'transactionMaxAge',
  'maxTransactions',
  'idTokenMaxAge',
  'refreshLeeway',
  'onError',
  'logger',
  'refreshLock',
  'allow',
  'onSignIn',
  'onRefresh',
  'onLogout',
  'revokeOnLogout',
  'logoutParams',
  'silentLogin',
  'absoluteDuration',
  'idleDuration',
  'pages',
  'fetch',
  'telemetry',
  'loggerStyle',
] as const satisfies readonly (keyof OAuthSharedOptions)[];

const PAGE_KEYS = ['chooser', 'error'] as const satisfies readonly (keyof OAuthPages)[];

const everyPageListed: Record<Exclude<keyof OAuthPages, (typeof PAGE_KEYS)[number]>, never> = {};
void everyPageListed;

const MULTI_KEYS = [
  'providers',
  'defaultProvider',
] as const satisfies readonly (keyof OAuthMultiProviderOptions)[];

const everyKeyListed: Record<
  | Exclude<keyof OAuthSharedOptions, (typeof SHARED_KEYS)[number]>
  | Exclude<keyof OAuthMultiProviderOptions, (typeof MULTI_KEYS)[number]>,
  never
> = {};
void everyKeyListed;

/** The provider name of the single-provider form, as `req.oauthUser.provider` shows it. */
export const DEFAULT_PROVIDER = 'default';

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

function readPages(value: unknown): OAuthPages {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalid('pages', 'an object, e.g. { chooser, error }');
  rejectUnknownKeys(value, PAGE_KEYS, 'pages.');
  const pages: OAuthPages = {};
  for (const key of PAGE_KEYS) {
    const render = readFunction<NonNullable<OAuthPages[typeof key]>>(
      `pages.${key}`,
      value[key],
      'a function (context, req) returning the page as a string',
    );
    if (render !== undefined) Object.assign(pages, { [key]: render });
  }
  return pages;
}

/** @internal Also resolves each tenant's providers (tenants/tenant-options.ts). */
export function resolveProviders(
  input: Record<string, unknown>,
  baseURL: URL,
  callback: string,
): Map<string, ResolvedProvider> {
  const providers = new Map<string, ResolvedProvider>();
  if (input.providers === undefined) {
    const single = Object.fromEntries(
      Object.entries(input).filter(([key]) => !(SHARED_KEYS as readonly string[]).includes(key)),
    );
    // The shared keys were taken out above; they stay known here for the typo hints.
    rejectUnknownKeys(single, [...PROVIDER_KEYS, ...MULTI_KEYS, ...SHARED_KEYS], '');
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
    const redirectUri = routeUrl(baseURL, `${callback}/${name}`);
    providers.set(name, resolveProviderOptions(name, `providers.${name}.`, options, redirectUri));
  }
  return providers;
}

/** @internal Also reads each tenant's `defaultProvider`. */
export function readDefaultProvider(
  input: Record<string, unknown>,
  multi: boolean,
  providers: ReadonlyMap<string, ResolvedProvider>,
): string | undefined {
  if (!multi) return DEFAULT_PROVIDER;
  if (input.defaultProvider === undefined) return undefined;
  const name = readString('defaultProvider', input.defaultProvider);
  if (!providers.has(name)) {
    const names = [...providers.keys()].map((n) => `"${n}"`).join(', ');
    throw invalid('defaultProvider', `one of ${names}`);
  }
  return name;
}

/** `baseURL` (the middleware's, or a tenant's): absolute, without query or fragment. */
export function readBaseURL(value: unknown): URL {
  const baseURL = readUrl('baseURL', value);
  if (baseURL.search !== '' || baseURL.hash !== '') {
    throw invalid('baseURL', 'a URL without query or fragment');
  }
  return baseURL;
}

/**
 * Validates the options given to `oauthMiddleware()` and fills in the defaults, so every mistake
 * surfaces when the app starts, not at the first login.
 */
export function resolveOptions(value: unknown): ResolvedOptions {
  const input = readOptionsObject(value);
  const multi = input.providers !== undefined;
  if (multi) rejectUnknownKeys(input, [...SHARED_KEYS, ...MULTI_KEYS], '');
  const baseURL = readBaseURL(input.baseURL);
  const declared = resolveRoutes(input.routes);
  const tenants = readTenantProviders(input.providers);
  if (tenants !== undefined && input.defaultProvider !== undefined) {
    throw invalid(
      'defaultProvider',
      "absent with a providers resolver (each tenant's answer has its own)",
    );
  }
  const providers =
    tenants === undefined ? resolveProviders(input, baseURL, declared.callback) : new Map();
  const routes = withJwksRoute(declared, providers);
  const defaultProvider =
    tenants === undefined ? readDefaultProvider(input, multi, providers) : undefined;
  return {
    baseURL,
    secretKeys: createSecretKeys(readSecrets(input.secret)),
    routes,
    postLogoutRedirectUri: resolvePostLogout(input.postLogoutRedirect, baseURL),
    timeout: readNumber('timeout', input.timeout, 10_000, 1),
    maxResponseBytes: readMaxResponseBytes(input.maxResponseBytes),
    storeTimeout: readNumber('storeTimeout', input.storeTimeout, DEFAULT_STORE_TIMEOUT, 1),
    clockTolerance: readNumber('clockTolerance', input.clockTolerance, 60, 0),
    transactionMaxAge: readNumber('transactionMaxAge', input.transactionMaxAge, 600, 1),
    maxTransactions: Math.floor(readNumber('maxTransactions', input.maxTransactions, 5, 1)),
    idTokenMaxAge: readNumber('idTokenMaxAge', input.idTokenMaxAge, 600, 1),
    refreshLeeway: readNumber('refreshLeeway', input.refreshLeeway, 30, 0),
    onError: readFunction('onError', input.onError, 'a function (err, req, res, next)'),
    pages: readPages(input.pages),
    logger: readLogger(input.logger, input.loggerStyle),
    refreshLock: readRefreshLock(input.refreshLock),
    multi,
    providers,
    defaultProvider,
    allow: readAllow('allow', input.allow),
    onSignIn: readFunction<OAuthSignInHook>(
      'onSignIn',
      input.onSignIn,
      'a function (context) => result',
    ),
    onRefresh: readFunction('onRefresh', input.onRefresh, 'a function (event) => void'),
    onLogout: readFunction('onLogout', input.onLogout, 'a function (event) => void'),
    revokeOnLogout: readBoolean('revokeOnLogout', input.revokeOnLogout, true),
    logoutParams: readLogoutParams(input.logoutParams),
    silentLogin: readSilentLogin(input.silentLogin, multi, defaultProvider, tenants !== undefined),
    absoluteDuration: readNumber('absoluteDuration', input.absoluteDuration, 7 * 24 * 60 * 60, 1),
    idleDuration: readIdleDuration(input.idleDuration),
    fetch: readFunction<OAuthFetch>('fetch', input.fetch, 'a fetch function (url, init)'),
    telemetry: readTelemetry(input.telemetry),
    tenants:
      tenants === undefined
        ? undefined
        : { ...tenants, declaredRoutes: declared, postLogoutRedirect: input.postLogoutRedirect },
  };
}

/** The JWKS route is on by default only where a provider signs with the client's own key. */
export function withJwksRoute(
  declared: ResolvedRoutes,
  providers: ReadonlyMap<string, ResolvedProvider>,
): ResolvedRoutes {
  const hasClientKeys = [...providers.values()].some(
    (provider) => provider.kind !== 'custom' && provider.clientKeys !== undefined,
  );
  return { ...declared, jwks: declared.jwks ?? (hasClientKeys ? '/jwks.json' : false) };
}
