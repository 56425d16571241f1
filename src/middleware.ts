import type { NextFunction, Request, Response } from 'express';
import { OAuthContext } from './context.js';
import { runAsTenant } from './observability/tenant-scope.js';
import { checkHealth } from './observability/health.js';
import type { OAuthHealth } from './observability/health.js';
import { enableTelemetry } from './observability/opentelemetry.js';
import { resolveOptions } from './options/resolve.js';
import type { OAuthMiddlewareOptions } from './options/types.js';
import { inspectSignIn } from './refresh/current-sign-in.js';
import { shouldRecordSeen } from './refresh/lifetime.js';
import { createDispatch } from './routes/dispatch.js';
import type { Dispatch } from './routes/dispatch.js';
import { handleError } from './routes/handle-error.js';
import { createRuntime } from './runtime.js';
import type { OAuthRuntime } from './runtime.js';
import { sessionSettingWarnings } from './session/settings-warnings.js';
import { readSignInTimes, recordSeen } from './session/sign-in-times.js';
import { assertSession, useStoreTimeout } from './session/store.js';
import { bindTenant } from './session/tenant.js';
import { TenantRuntimes } from './tenants/runtimes.js';

/**
 * The middleware `oauthMiddleware()` returns: a plain Express middleware function, with the URLs
 * to register at each provider.
 */
export interface OAuthMiddleware {
  (req: Request, res: Response, next: NextFunction): void;
  /**
   * Provider name → the exact `redirect_uri` to register at that provider. Empty with providers
   * per tenant: a tenant's are `<its baseURL><callback route>/<provider>`.
   */
  readonly redirectUris: Readonly<Record<string, string>>;
  /** The post-logout redirect URI to register at providers that support RP-initiated logout. */
  readonly postLogoutRedirectUri: string;
  /**
   * Discovers every OpenID Connect provider now, so a wrong issuer or an unreachable provider is
   * known at start-up rather than at the first login. Rejects with the first provider's
   * OAuthError; logins keep retrying discovery either way. With `telemetry` on, it also waits
   * until `@opentelemetry/api` is loaded and the events are wired to it. With providers per
   * tenant, no provider is known before its tenant's first request: only telemetry is waited for.
   *
   * @example
   * ```ts
   * const oauth = oauthMiddleware(options);
   * await oauth.ready();
   * app.use(oauth);
   * ```
   */
  ready(): Promise<void>;
  /**
   * Whether this instance can sign people in: per provider, whether its discovery metadata and
   * keys are loaded and how old they are, and its last failure; and whether the refresh lock's
   * store answers. `ready` is what a readiness probe checks; nothing in it is a secret.
   *
   * @example
   * ```ts
   * app.get('/ready', async (req, res) => {
   *   const health = await oauth.health();
   *   res.status(health.ready ? 200 : 503).json(health);
   * });
   * ```
   */
  health(): Promise<OAuthHealth>;
}

/** Each middleware's runtime, for guards given the middleware itself rather than finding it on `req`. */
const runtimes = new WeakMap<object, OAuthRuntime>();

/** The runtime of a function `oauthMiddleware()` returned; internal. */
export function runtimeOfMiddleware(middleware: unknown): OAuthRuntime | undefined {
  return typeof middleware === 'function' ? runtimes.get(middleware) : undefined;
}

/** @deprecated Renamed {@link OAuthMiddleware}: the middleware is no longer an `express.Router`. */
export type OAuthRouter = OAuthMiddleware;

/**
 * Turns an Express app into an OAuth 2.0 / OpenID Connect relying party: answers GET `/login`,
 * GET `/callback`, POST `/logout` and, when turned on, POST `/backchannel-logout`
 * (`/login/:provider` and `/callback/:provider` with several providers), and sets
 * `req.oauthUser` and `req.oauth` for every later handler.
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
export function oauthMiddleware(options: OAuthMiddlewareOptions): OAuthMiddleware {
  const resolved = resolveOptions(options);
  const runtime = createRuntime(resolved);
  const dispatch = createDispatch(runtime);
  // Providers per tenant: each tenant's runtime and routes, made at its first request.
  const tenants =
    resolved.tenants === undefined
      ? undefined
      : new TenantRuntimes(runtime, resolved.tenants, createDispatch);
  const telemetry =
    resolved.telemetry === undefined
      ? undefined
      : enableTelemetry(resolved.telemetry, resolved.logger);
  let settingsChecked = false;

  function oauthMiddleware(req: Request, res: Response, next: NextFunction): void {
    try {
      assertSession(req);
    } catch (error) {
      handleError(resolved, error, req, res, next);
      return;
    }
    useStoreTimeout(req, resolved.storeTimeout);
    if (!settingsChecked) {
      settingsChecked = true;
      for (const warning of sessionSettingWarnings(req, resolved)) resolved.logger.warn(warning);
    }
    if (tenants === undefined) {
      serve(runtime, dispatch, req, res, next);
      return;
    }
    tenants.forRequest(req).then(
      ({ runtime: tenant, extra: tenantDispatch }) => {
        const key = tenant.tenant as string;
        bindTenant(req, key);
        try {
          runAsTenant(key, () => serve(tenant, tenantDispatch, req, res, next));
        } catch (error) {
          next(error);
        }
      },
      (error: unknown) => handleError(resolved, error, req, res, next),
    );
  }

  /** The middleware's work once it knows whose runtime (the only one, or the tenant's) applies. */
  function serve(
    runtime: OAuthRuntime,
    dispatch: Dispatch,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    req.oauth = new OAuthContext(runtime, req, res);
    const now = Date.now();
    const check = inspectSignIn(runtime, req, now);
    req.oauthUser = check.state === 'none' ? undefined : check.signIn.user;
    // Only with idleDuration on: otherwise a signed-in request reads and writes nothing more.
    if (
      resolved.idleDuration !== undefined &&
      check.state !== 'none' &&
      shouldRecordSeen(resolved, readSignInTimes(req), now)
    ) {
      recordSeen(req, now);
    }
    if (!dispatch(req, res, next)) next();
  }

  const redirectUris = Object.fromEntries(
    runtime.providers.all().map((provider) => [provider.name, provider.settings.redirectUri]),
  );
  runtimes.set(oauthMiddleware, runtime);
  return Object.assign(oauthMiddleware, {
    redirectUris,
    postLogoutRedirectUri: resolved.postLogoutRedirectUri,
    async ready(): Promise<void> {
      // Telemetry first, so the discoveries made here are traced and counted too.
      await telemetry;
      await Promise.all(runtime.providers.all().map((provider) => provider.ready?.()));
    },
    health: () =>
      checkHealth(
        runtime,
        tenants?.entries().map((entry) => entry.runtime),
      ),
  });
}
