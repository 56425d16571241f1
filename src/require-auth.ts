import type { NextFunction, Request, Response } from 'express';
import { OAuthContext } from './context.js';
import { OAuthError } from './errors.js';
import { resolveRequireAuthOptions } from './options/require-auth.js';
import type { RequireAuthOptions, ResolvedRequireAuth } from './options/require-auth.js';
import { currentSignIn, inspectSignIn } from './refresh/current-sign-in.js';
import {
  insufficientAuthentication,
  missingAuthentication,
  stepUpChallenge,
} from './policy/step-up.js';
import { missingScope, unmetClaim } from './policy/route-rules.js';
import { startSilentLogin } from './policy/silent-login.js';
import { renderError } from './routes/error-page.js';
import { handleError } from './routes/handle-error.js';
import type { OAuthRuntime } from './runtime.js';
import { startLogin } from './routes/login.js';
import { markStepUp, stepUpTried } from './session/step-up-marker.js';
import type { OAuthAuthentication, SignInSummary } from './session/sign-in.js';

export type { RequireAuthOptions } from './options/require-auth.js';

// Created only when it is the answer: building an Error captures a stack trace, which on the
// signed-in path would cost more than everything else this guard does.
function forbidden(reason: string): OAuthError {
  return new OAuthError(`the signed-in user ${reason}`, { code: 'OAUTH_FORBIDDEN' });
}

/** The scope or claim rule the sign-in fails, if any. */
function unmetRule(
  rules: ResolvedRequireAuth,
  { user, tokens }: SignInSummary | OAuthAuthentication,
) {
  const scope = missingScope(tokens.scope, rules.scopes);
  if (scope !== undefined) return forbidden(`lacks the scope "${scope}"`);
  const claim = unmetClaim(user.claims, rules.claims);
  if (claim !== undefined) return forbidden(`lacks the claim "${claim}" required here`);
  return undefined;
}

/** Runtimes already told that `silent: true` has no provider to ask: said once, not per request. */
const saidNoSilentProvider = new WeakSet<OAuthRuntime>();

function warnNoSilentProvider(runtime: OAuthRuntime): void {
  if (saidNoSilentProvider.has(runtime)) return;
  saidNoSilentProvider.add(runtime);
  runtime.options.logger.warn(
    'requireAuth({ silent: true }) tries no silent login: several providers are configured and no defaultProvider names the one to ask',
  );
}

async function sendToLogin(
  runtime: OAuthRuntime,
  rules: ResolvedRequireAuth,
  reason: OAuthError,
  req: Request,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const wantsPage =
    rules.redirect &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.accepts(['json', 'html']) === 'html';
  const silent = wantsPage && (rules.silent ?? runtime.options.silentLogin);
  if (silent && reason.code === 'OAUTH_LOGIN_REQUIRED') {
    if (runtime.options.defaultProvider === undefined) {
      warnNoSilentProvider(runtime);
    } else if (await startSilentLogin(runtime, req, res, { returnTo: req.originalUrl })) {
      return;
    }
  }
  if (wantsPage && runtime.loginPath !== undefined) {
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, `${runtime.loginPath}?returnTo=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  handleError(runtime.options, reason, req, res, next);
}

/**
 * A signed-in user whose sign-in is not strong or recent enough: browsers go back to their
 * provider once with what is missing; API clients get the RFC 9470 challenge; a second shortfall
 * in the same session is a 403 page, never a redirect loop.
 */
async function stepUp(
  runtime: OAuthRuntime,
  rules: ResolvedRequireAuth,
  missing: Record<string, string>,
  signIn: OAuthAuthentication,
  req: Request,
  res: Response,
  next: NextFunction,
): Promise<void> {
  const wantsPage =
    rules.redirect &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.accepts(['json', 'html']) === 'html';
  if (!wantsPage) {
    res.setHeader('WWW-Authenticate', stepUpChallenge(missing));
    handleError(
      runtime.options,
      insufficientAuthentication('this route needs a stronger or more recent sign-in', 401),
      req,
      res,
      next,
    );
    return;
  }
  const provider = runtime.providers.find(signIn.user.provider);
  // A provider without ID tokens can never state auth_time or acr: sending the user there
  // would only bring them back short of the rule, so they get the 403 page at once.
  if (stepUpTried(req) || provider === undefined || !provider.usesNonce) {
    throw insufficientAuthentication(
      'this page needs a stronger or more recent sign-in than the provider could give',
    );
  }
  markStepUp(req, true);
  await startLogin(
    runtime,
    req,
    res,
    { returnTo: req.originalUrl, authorizationParams: missing },
    provider,
    rules.acr === undefined || missing.acr_values === undefined ? {} : { acr: rules.acr },
  );
}

/**
 * Guards a route: requests without a signed-in user are sent to log in (browsers asking for HTML,
 * with `returnTo` set to where they were going) or answered 401 JSON; signed-in users who fail a
 * scope, claim or `check` rule are answered 403. Whether the user is signed in, and whether the
 * tokens must be renewed first, is decided where `req.oauth` decides it.
 *
 * @example
 * ```ts
 * app.get('/me', requireAuth(), (req, res) => res.json(req.oauthUser));
 * app.get('/admin', requireAuth({ claims: { role: 'admin' } }), adminPage);
 * app.get('/orders', requireAuth({ scopes: 'orders:read' }), listOrders);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (401 for a missing sign-in, 403 for a missing scope)
 */
export function requireAuth(options?: RequireAuthOptions) {
  const rules = resolveRequireAuthOptions(options);

  async function guard(runtime: OAuthRuntime, req: Request, res: Response, next: NextFunction) {
    const signIn = await currentSignIn(runtime, req);
    if (signIn instanceof OAuthError) {
      await sendToLogin(runtime, rules, signIn, req, res, next);
      return;
    }
    const unmet = unmetRule(rules, signIn);
    if (unmet !== undefined) throw unmet;
    const missing = missingAuthentication(
      rules,
      signIn.user,
      Date.now(),
      runtime.options.clockTolerance,
    );
    if (missing !== undefined) {
      await stepUp(runtime, rules, missing, signIn, req, res, next);
      return;
    }
    if (rules.check !== undefined && !(await rules.check(signIn.user, req))) {
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
    if (rules.check === undefined && rules.acr === undefined && rules.maxAge === undefined) {
      const check = inspectSignIn(runtime, req);
      if (check.state === 'fresh') {
        const unmet = unmetRule(rules, check.signIn);
        if (unmet !== undefined) {
          handleError(runtime.options, unmet, req, res, next);
          return;
        }
        next();
        return;
      }
    }
    guard(runtime, req, res, next).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
