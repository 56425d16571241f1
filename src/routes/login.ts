import type { NextFunction, Request, Response } from 'express';
import {
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import { publish } from '../observability/events.js';
import { publishLoginFailure } from '../observability/flow-events.js';
import { checkAuthorizationParams } from '../options/authorization-params.js';
import type { OAuthAuthorizationParams } from '../options/provider-types.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { markStepUp } from '../session/step-up-marker.js';
import { markSilentLogin } from '../session/silent-marker.js';
import { addPendingLogin, pendingLoginSettings } from '../session/pending-login-cookie.js';
import { handleError } from './handle-error.js';
import { safeReturnTo } from './return-to.js';

/** Options of `req.oauth.login()`, for applications that start logins from their own routes. */
export interface OAuthLoginOptions {
  /** Same-origin path to land on after the login; anything else falls back to `/`. */
  returnTo?: string;
  /** Extra authorization parameters for this login (merged over the middleware's). */
  authorizationParams?: OAuthAuthorizationParams;
  /** With several providers: which one. Default: `defaultProvider`. */
  provider?: string;
}

/** How a login started by the package itself differs from an ordinary one; internal. */
export interface LoginFlow {
  /** `prompt=none`: a "login required" answer brings the browser back without an error. */
  readonly silent?: boolean;
  /** A step-up: the ID token must carry one of these `acr` values. */
  readonly acr?: readonly string[];
}

/**
 * `max_age` as the transaction keeps it: OpenID Connect Core 3.1.2.1 then requires `auth_time`
 * in the ID token, and the callback checks it.
 */
function maxAgeOf(params: Readonly<Record<string, string>>): { maxAge?: number } {
  const raw = params.max_age;
  if (raw === undefined) return {};
  const maxAge = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(maxAge)) {
    throw new OAuthError('"authorizationParams.max_age" must be a whole number of seconds', {
      code: 'OAUTH_INTERNAL_ERROR',
    });
  }
  return { maxAge };
}

/**
 * Starts the authorization code flow: a transaction with state, PKCE S256 and (for OpenID Connect)
 * nonce is kept in an encrypted cookie named after its state, then the browser goes to the
 * provider. Nothing is written to the session store.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4 (PKCE)
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export async function startLogin(
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  login: OAuthLoginOptions = {},
  chosen?: OAuthProviderClient,
  flow: LoginFlow = {},
): Promise<void> {
  const started = performance.now();
  try {
    await beginLogin(runtime, req, res, login, chosen, flow, started);
  } catch (error) {
    // Every way a login starts (the route, req.oauth.login(), a silent login, a step-up) is counted.
    const name = chosen?.name ?? login.provider ?? runtime.options.defaultProvider ?? 'unknown';
    publishLoginFailure(name, 'start', error, started);
    throw error;
  }
}

async function beginLogin(
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  login: OAuthLoginOptions,
  chosen: OAuthProviderClient | undefined,
  flow: LoginFlow,
  started: number,
): Promise<void> {
  const { options } = runtime;
  const provider = chosen ?? runtime.providers.pick(login.provider);
  const fail = (message: string): OAuthError =>
    new OAuthError(`"authorizationParams" must be ${message}`, { code: 'OAUTH_INTERNAL_ERROR' });
  const params = {
    ...checkAuthorizationParams({ ...provider.settings.authorizationParams(req) }, fail),
    ...checkAuthorizationParams({ ...login.authorizationParams }, fail),
  };
  const state = randomState();
  const codeVerifier = randomPKCECodeVerifier();
  const nonce = provider.usesNonce ? randomNonce() : undefined;
  const delivery = (await provider.responseMode?.()) ?? 'query';
  const url = await provider.authorizationUrl({
    state,
    codeChallenge: await calculatePKCECodeChallenge(codeVerifier),
    params,
    ...(nonce === undefined ? {} : { nonce }),
  });
  // The pending login goes into a cookie of its own: starting a login writes nothing to the store.
  await addPendingLogin(
    pendingLoginSettings(options),
    req,
    res,
    state,
    {
      codeVerifier,
      returnTo: safeReturnTo(login.returnTo),
      createdAt: Date.now(),
      provider: provider.name,
      ...(nonce === undefined ? {} : { nonce }),
      ...(flow.silent === true ? { silent: true } : {}),
      ...(flow.acr === undefined ? {} : { acr: flow.acr }),
      ...maxAgeOf(params),
      ...(runtime.tenant === undefined ? {} : { tenant: runtime.tenant }),
    },
    delivery,
  );
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, url.href);
  publish('loginStart', () => ({
    provider: provider.name,
    silent: flow.silent === true,
    durationMs: performance.now() - started,
  }));
}

/** The `returnTo` query parameter, when given exactly once. */
export function requestedReturnTo(req: Request): OAuthLoginOptions {
  const returnTo = new URL(req.originalUrl, 'http://query.invalid').searchParams.getAll('returnTo');
  return returnTo.length === 1 ? { returnTo: returnTo[0] } : {};
}

/** GET /login?returnTo=/path, or GET /login/:provider with several providers. */
export function loginRoute(runtime: OAuthRuntime) {
  return function oauthLogin(
    req: Request,
    res: Response,
    next: NextFunction,
    provider: OAuthProviderClient,
  ): void {
    // An explicit login ends the "silent login tried" state of this browser session.
    markSilentLogin(req, res, runtime.options.baseURL, false);
    markStepUp(req, false);
    startLogin(runtime, req, res, requestedReturnTo(req), provider).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
