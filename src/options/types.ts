import type { NextFunction, Request, Response } from 'express';
import type { OAuthError } from '../errors.js';
import type { OAuthRefreshLock } from '../refresh/locks.js';
import type { OAuthPages } from './page-types.js';
import type {
  OAuthAllowRules,
  OAuthLogoutEvent,
  OAuthLogoutParams,
  OAuthRefreshEvent,
  OAuthSignInHook,
} from './policy-types.js';
import type {
  OAuthCustomProvider,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
  OAuthProviderOptions,
} from './provider-types.js';
import type { OAuthRoutes } from './route-types.js';
import type { OAuthTenantOptions } from './tenant-types.js';

/**
 * The options of `oauthMiddleware()` as applications write them; options/resolve.ts validates
 * them.
 */

/** Where the middleware writes what it has to say; every method is optional. */
export interface OAuthLogger {
  /** Writes a warning about a setting or a request that still worked (e.g. a session option). */
  warn?(message: string): void;
  /** Writes a server-side failure, with the error that caused it when there is one. */
  error?(message: string, error?: unknown): void;
}

/** Renders or redirects for a failed flow; the default answers with an HTML page or JSON. */
export type OAuthErrorHandler = (
  error: OAuthError,
  req: Request,
  res: Response,
  next: NextFunction,
) => void;

/** Options shared by every provider. */
export interface OAuthSharedOptions {
  /** The application's public origin and optional path prefix, e.g. `https://app.example.com`. */
  baseURL: string | URL;
  /** Route paths, relative to where the middleware is mounted. */
  routes?: OAuthRoutes;
  /**
   * The secret that encrypts the pending-login cookies and the tokens kept in the session: at
   * least 32 random characters, the same on every instance. A list rotates it: the first value
   * encrypts, every value decrypts. The keys are derived from it with HKDF, one per purpose, so
   * express-session's own `secret` may be passed here too.
   *
   * @example
   * ```ts
   * app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));
   * app.use(oauthMiddleware({ secret: process.env.SESSION_SECRET, ...options }));
   * // Rotating: the new value first, the old one kept until every cookie and session sealed with it is gone.
   * app.use(oauthMiddleware({ secret: [process.env.NEW_SECRET, process.env.OLD_SECRET], ...options }));
   * ```
   */
  secret: string | readonly string[];
  /**
   * Path or absolute URL (same origin as `baseURL`) the provider sends the user to after logout.
   * Default `/`.
   */
  postLogoutRedirect?: string;
  /** Milliseconds every provider request may take, its body included. Default `10000`. */
  timeout?: number;
  /**
   * Bytes a provider response may have (discovery, JWKS, PAR, token, userinfo, revocation,
   * introspection, adapters' requests). A larger one is cancelled as soon as it passes the limit
   * (at once when its `Content-Length` says so) and the flow fails with `OAUTH_INVALID_RESPONSE`,
   * whose `cause` is `{ endpoint, limit }`. Default `1048576` (1 MiB), at least `1024`. The
   * application's own API calls through `req.oauth.fetch()` are not limited.
   */
  maxResponseBytes?: number;
  /**
   * Milliseconds each session-store call the middleware makes (save, regenerate, destroy, reload)
   * and each call to `refreshLock` may take. A store that does not answer in time fails the request with 503
   * `OAUTH_STORE_UNAVAILABLE` and `Retry-After`, and nothing in the session is cleared. Default
   * `5000`. express-session loads the session before the middleware runs: bound that read in the
   * store's client (see docs/production.md).
   */
  storeTimeout?: number;
  /** Seconds of clock difference tolerated when checking token timestamps. Default `60`. */
  clockTolerance?: number;
  /** Seconds a pending login stays valid. Default `600`. */
  transactionMaxAge?: number;
  /**
   * Pending logins kept per browser session (several tabs); the oldest is dropped beyond it.
   * Default `5`.
   */
  maxTransactions?: number;
  /** Seconds an ID token's `iat` may lie in the past at the callback. Default `600`. */
  idTokenMaxAge?: number;
  /**
   * Seconds before an access token's expiry at which it is refreshed, when it can be. Default
   * `30`, capped at half the token's lifetime so short-lived tokens are not refreshed on every
   * request. Without a refresh token the user stays signed in until the real expiry.
   */
  refreshLeeway?: number;
  /**
   * Render or redirect on failures instead of the default page (then `pages.error` is not
   * used).
   */
  onError?: OAuthErrorHandler;
  /** The application's own chooser and error pages, rendered inside its own layout. */
  pages?: OAuthPages;
  /**
   * One refresh at a time across app instances that share the session store (and, with
   * back-channel logout on, one update at a time of a user's session list). Default: an
   * in-process lock; use `createRedisRefreshLock(client)` with several instances.
   */
  refreshLock?: OAuthRefreshLock;
  /**
   * Where warnings and server-side failures are written. Default `console`; `false` silences it.
   * A pino or winston logger is taken as it is, and given `code`, `provider` and `err` as
   * structured fields (see `loggerStyle`). Nothing is logged for a flow that succeeded.
   *
   * @example
   * ```ts
   * import pino from 'pino';
   * app.use(oauthMiddleware({ ...options, logger: pino() }));
   * ```
   */
  logger?: OAuthLogger | false;
  /**
   * Who may sign in with any provider: rules checked after the callback validated everything and
   * before `onSignIn`. A provider's own `allow` applies on top. Default: everyone.
   */
  allow?: OAuthAllowRules;
  /**
   * Called after the callback validated everything and before the session is written: accept,
   * change the user, or refuse (403 `OAUTH_SIGN_IN_REFUSED`, no session written, the tokens just
   * issued revoked). A hook that throws gives a 500 page, its error logged.
   *
   * @example
   * ```ts
   * onSignIn: async ({ user }) => {
   *   const account = await accounts.find(user.sub);
   *   if (account?.suspended) return { refuse: 'Your account is suspended.' };
   *   return { user: { claims: { ...user.claims, plan: account?.plan } } };
   * },
   * ```
   */
  onSignIn?: OAuthSignInHook;
  /**
   * Told after each refresh that renewed a session's tokens, for audit trails. Failures are
   * logged; the request never waits for it longer than `timeout`.
   */
  onRefresh?: (event: OAuthRefreshEvent) => void | Promise<void>;
  /**
   * Told when a session ends, for audit trails. Failures are logged; the request never waits for
   * it longer than `timeout`.
   */
  onLogout?: (event: OAuthLogoutEvent) => void | Promise<void>;
  /**
   * Revoke the refresh token, then the access token, at the provider's `revocation_endpoint`
   * whenever a session ends: logout, back-channel logout, a refused sign-in, a refresh naming
   * another user. Default `true`, where the provider has the endpoint. A failure is logged and
   * never blocks the logout.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7009
   */
  revokeOnLogout?: boolean;
  /**
   * Extra parameters of the provider's end-session request (`state`, `ui_locales`,
   * `logout_hint`, a provider's own): an object, or a function of the request.
   * `id_token_hint`, `post_logout_redirect_uri` and `client_id` are the middleware's own.
   *
   * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
   */
  logoutParams?: OAuthLogoutParams | ((req: Request) => OAuthLogoutParams);
  /**
   * Let `requireAuth()` try a silent login (`prompt=none`) once per browser session before
   * treating a signed-out browser as such. Default `false`; `requireAuth({ silent })` decides
   * per route.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
   */
  silentLogin?: boolean;
  /**
   * Seconds after the sign-in after which the user must sign in again, whatever refreshes
   * happened. Default `604800` (7 days). The provider's `session_expiry` claim caps it.
   */
  absoluteDuration?: number;
  /**
   * Seconds without a request after which the user must sign in again. Default `false` (none).
   * When on, a signed-in request records its time at most once per tenth of this duration, so
   * most requests still write nothing to the store.
   */
  idleDuration?: number | false;
  /**
   * The `fetch` every provider request goes through (discovery, JWKS, PAR, token, userinfo,
   * revocation, introspection, adapters' `context.fetch`), for a proxy or a private CA. Default:
   * the global `fetch`. A provider's own `fetch` takes precedence.
   *
   * @example
   * ```ts
   * import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
   * const dispatcher = new EnvHttpProxyAgent(); // HTTPS_PROXY, HTTP_PROXY, NO_PROXY
   * // The casts bridge the undici package's types and those of Node's global fetch.
   * const fetch: OAuthFetch = async (url, init) =>
   *   (await undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
   * app.use(oauthMiddleware({ ...options, fetch }));
   * ```
   * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/EnvHttpProxyAgent.md
   */
  fetch?: OAuthFetch;
  /**
   * OpenTelemetry spans and metrics from the package's events, through `@opentelemetry/api` (an
   * optional peer dependency the application installs with its SDK). `true` uses the global
   * tracer and meter providers; an object names others. Default `false`. Without the API
   * installed, a warning is logged and everything else works.
   *
   * @see https://opentelemetry.io/docs/languages/js/
   */
  telemetry?: boolean | OAuthTelemetryOptions;
  /**
   * How `logger` is called: `'pino'` (`logger.error({ code, provider, err }, message)`),
   * `'winston'` (`logger.error(message, { code, provider, err })`) or `'plain'`
   * (`logger.error(message, error)`). Default: `'pino'` for a pino logger, `'winston'` for a
   * winston logger (both recognised by their shape), `'plain'` for anything else.
   */
  loggerStyle?: 'pino' | 'winston' | 'plain';
}

/**
 * A `fetch` for provider requests: the global one, or one with an undici dispatcher (a proxy, a
 * CA bundle).
 */
export type OAuthFetch = (url: string, init: RequestInit) => Promise<globalThis.Response>;

/**
 * Where the telemetry goes: OpenTelemetry's own `TracerProvider` and `MeterProvider` (typed here
 * by the one method used, so the package's types do not need `@opentelemetry/api`).
 */
export interface OAuthTelemetryOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: {
    /** Returns the tracer the package's spans are made with. */
    getTracer(name: string, version?: string): unknown;
  };
  /** Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: {
    /** Returns the meter the package's metrics are recorded with. */
    getMeter(name: string, version?: string): unknown;
  };
}

/** Several providers at once, answered at `/login/:provider` and `/callback/:provider`. */
export interface OAuthMultiProviderOptions {
  /**
   * The providers by name; the name is the `:provider` of their routes and
   * `req.oauthUser.provider`.
   *
   * @example
   * ```ts
   * oauthMiddleware({
   *   baseURL: 'https://app.example.com',
   *   providers: {
   *     google: { issuer: 'https://accounts.google.com', clientId, clientSecret },
   *     alpaca: alpaca({ clientId: alpacaId, clientSecret: alpacaSecret }),
   *   },
   * });
   * ```
   */
  providers: Readonly<Record<string, OAuthProviderOptions>>;
  /**
   * The provider GET `/login` (and `requireAuth()`) starts with; without it, `/login` lists them.
   */
  defaultProvider?: string;
}

/** Options of `oauthMiddleware()` for one OpenID Connect provider: the common case. */
export interface OAuthOptions extends OAuthSharedOptions, OAuthOidcProvider {}

/**
 * Every form `oauthMiddleware()` accepts: the shared options with one provider's options at the
 * top level (OpenID Connect, plain OAuth 2.0 or a custom adapter), or with `providers` for several,
 * or with a `providers` resolver for several tenants (`OAuthTenantProviders`).
 */
export type OAuthMiddlewareOptions =
  | OAuthOptions
  | (OAuthSharedOptions & OAuthOAuth2Provider)
  | (OAuthSharedOptions & OAuthCustomProvider)
  | (OAuthSharedOptions & OAuthMultiProviderOptions)
  | (OAuthSharedOptions & OAuthTenantOptions);
