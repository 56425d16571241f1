import type { NextFunction, Request, Response } from 'express';
import { ENDS_SESSION, OAuthContext, usableAuthentication } from './context.js';
import { codedTypeError, OAuthError } from './errors.js';
import { handleError, renderError } from './render-error.js';
import type { OAuthRuntime } from './runtime.js';
import { readAuthentication } from './session.js';
import type { OAuthAuthentication } from './session.js';
import { suggestName } from './suggest-name.js';
import { isExpired } from './tokens.js';
import type { OAuthUser } from './user.js';

/** Extra conditions a signed-in user must meet; a user who fails one gets 403. */
export interface RequireAuthOptions {
  /** Scopes the access token must have been granted (all of them). */
  scopes?: string | readonly string[];
  /** Claims the user must have, each equal to the value given (or containing it, for array claims). */
  claims?: Readonly<Record<string, string | number | boolean>>;
  /** Any other rule, given the user and the request. */
  check?: (user: OAuthUser, req: Request) => boolean | Promise<boolean>;
  /**
   * Send browsers without a session to log in. Default `true`; `false` answers 401 JSON to
   * everyone, as an API route should even when a browser opens it.
   */
  redirect?: boolean;
}

const KNOWN = ['scopes', 'claims', 'check', 'redirect'];

function resolveRequireAuthOptions(options: unknown): RequireAuthOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw codedTypeError('"requireAuth() options" must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  for (const key of Object.keys(options)) {
    if (KNOWN.includes(key)) continue;
    const hint = suggestName(key, KNOWN);
    throw codedTypeError(
      `unknown requireAuth() option "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const { scopes, claims, check } = options as Record<string, unknown>;
  if (scopes !== undefined && typeof scopes !== 'string' && !Array.isArray(scopes)) {
    throw codedTypeError(
      '"requireAuth() options.scopes" must be a string or an array',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (claims !== undefined && (typeof claims !== 'object' || claims === null)) {
    throw codedTypeError(
      '"requireAuth() options.claims" must be an object',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const { redirect } = options as Record<string, unknown>;
  if (redirect !== undefined && typeof redirect !== 'boolean') {
    throw codedTypeError(
      '"requireAuth() options.redirect" must be a boolean',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (check !== undefined && typeof check !== 'function') {
    throw codedTypeError(
      '"requireAuth() options.check" must be a function',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return options as RequireAuthOptions;
}

function toList(scopes: string | readonly string[] | undefined): string[] {
  if (scopes === undefined) return [];
  return (typeof scopes === 'string' ? scopes.split(' ') : [...scopes]).filter((s) => s !== '');
}

function claimMatches(actual: unknown, expected: string | number | boolean): boolean {
  return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
}

function forbidden(reason: string): OAuthError {
  return new OAuthError(`the signed-in user ${reason}`, { code: 'OAUTH_FORBIDDEN' });
}

/**
 * The sign-in, refreshed first when its access token expired. When the user must log in again,
 * the reason: `OAUTH_LOGIN_REQUIRED`, or the refresh failure that ended the session.
 */
async function currentAuthentication(
  runtime: OAuthRuntime,
  req: Request,
): Promise<OAuthAuthentication | OAuthError> {
  const authentication = usableAuthentication(req);
  if (authentication === undefined) return loginRequired();
  if (isFresh(runtime, authentication)) return authentication;
  try {
    await req.oauth.getAccessToken();
  } catch (error) {
    if (error instanceof OAuthError && ENDS_SESSION.has(error.code)) return error;
    throw error;
  }
  return readAuthentication(req) ?? loginRequired();
}

// Created only when it is the answer: building an Error captures a stack trace, which on the
// signed-in path cost more than everything else this guard does.
function loginRequired(): OAuthError {
  return new OAuthError('this route needs a signed-in user', { code: 'OAUTH_LOGIN_REQUIRED' });
}

/** The access token is not expired, nor within `refreshLeeway` of it. */
function isFresh(runtime: OAuthRuntime, authentication: OAuthAuthentication): boolean {
  return !isExpired(authentication.tokens, Date.now(), runtime.options.refreshLeeway * 1000);
}

function sendToLogin(
  runtime: OAuthRuntime,
  redirect: boolean,
  reason: OAuthError,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  const wantsPage =
    redirect &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.accepts(['json', 'html']) === 'html';
  if (wantsPage && runtime.loginPath !== undefined) {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, `${runtime.loginPath}?returnTo=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  handleError(runtime.options, reason, req, res, next);
}

/**
 * Guards a route: requests without a signed-in user are sent to log in (browsers asking for HTML,
 * with `returnTo` set to where they were going) or answered 401 JSON; signed-in users who fail a
 * scope, claim or `check` rule are answered 403.
 *
 * @example
 * ```ts
 * app.get('/me', requireAuth(), (req, res) => res.json(req.oauthUser));
 * app.get('/admin', requireAuth({ claims: { role: 'admin' } }), adminPage);
 * app.get('/orders', requireAuth({ scopes: 'orders:read' }), listOrders);
 * ```
 */
export function requireAuth(options?: RequireAuthOptions) {
  const { scopes, claims, check, redirect = true } = resolveRequireAuthOptions(options);
  const requiredScopes = toList(scopes);
  const requiredClaims = Object.entries(claims ?? {});

  /** The scope or claim rule the sign-in fails, if any. */
  function unmetRule({ user, tokens }: OAuthAuthentication): OAuthError | undefined {
    if (requiredScopes.length > 0) {
      const granted = new Set((tokens.scope ?? '').split(' '));
      const missingScope = requiredScopes.find((scope) => !granted.has(scope));
      if (missingScope !== undefined) return forbidden(`lacks the scope "${missingScope}"`);
    }
    if (requiredClaims.length > 0) {
      const missingClaim = requiredClaims.find(
        ([name, value]) => !claimMatches(user.claims[name], value),
      );
      if (missingClaim !== undefined) {
        return forbidden(`lacks the claim "${missingClaim[0]}" required here`);
      }
    }
    return undefined;
  }

  async function guard(
    runtime: OAuthRuntime,
    req: Request,
    res: Response,
    next: NextFunction,
  ): Promise<void> {
    const authentication = await currentAuthentication(runtime, req);
    if (authentication instanceof OAuthError) {
      sendToLogin(runtime, redirect, authentication, req, res, next);
      return;
    }
    const unmet = unmetRule(authentication);
    if (unmet !== undefined) throw unmet;
    if (check !== undefined && !(await check(authentication.user, req))) {
      throw forbidden('is not allowed here');
    }
    next();
  }

  return function oauthRequireAuth(req: Request, res: Response, next: NextFunction): void {
    const runtime = OAuthContext.runtimeOf(req.oauth);
    if (runtime === undefined) {
      renderError(
        new OAuthError('requireAuth() needs oauthMiddleware() mounted before it, on the same app', {
          code: 'OAUTH_INTERNAL_ERROR',
        }),
        req,
        res,
      );
      return;
    }
    // The common request, signed in with a fresh token and no async check to run, is decided
    // here without a promise; a refresh, a login redirect or a `check` takes the async guard.
    // Whatever throws is handled as the async guard would handle it.
    if (check === undefined) {
      let passes = false;
      try {
        const authentication = usableAuthentication(req);
        if (authentication !== undefined && isFresh(runtime, authentication)) {
          const unmet = unmetRule(authentication);
          if (unmet !== undefined) throw unmet;
          passes = true;
        }
      } catch (error) {
        handleError(runtime.options, error, req, res, next);
        return;
      }
      // Outside the try: an error of a later handler is Express's to route, not the guard's.
      if (passes) {
        next();
        return;
      }
    }
    guard(runtime, req, res, next).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
