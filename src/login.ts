import type { NextFunction, Request, Response } from 'express';
import {
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { OAuthError } from './errors.js';
import escapeHtml from 'escape-html';
import { checkAuthorizationParams } from './provider-options.js';
import type { OAuthAuthorizationParams } from './provider-types.js';
import type { OAuthProviderClient } from './providers/provider.js';
import { handleError, PAGE_CSP } from './render-error.js';
import { safeReturnTo } from './return-to.js';
import { providerNamed, settingsOf } from './runtime.js';
import type { OAuthRuntime } from './runtime.js';
import { addTransaction, saveSession } from './session.js';

/** Options of `req.oauth.login()`, for applications that start logins from their own routes. */
export interface OAuthLoginOptions {
  /** Same-origin path to land on after the login; anything else falls back to `/`. */
  returnTo?: string;
  /** Extra authorization parameters for this login (merged over the middleware's). */
  authorizationParams?: OAuthAuthorizationParams;
  /** With several providers: which one. Default: `defaultProvider`. */
  provider?: string;
}

/**
 * Starts the authorization code flow: a transaction with state, PKCE S256 and (for OpenID Connect)
 * nonce is stored in the session under its state, then the browser goes to the provider.
 */
export async function startLogin(
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  login: OAuthLoginOptions = {},
): Promise<void> {
  const { options } = runtime;
  const provider = providerNamed(runtime, login.provider ?? options.defaultProvider);
  const settings = settingsOf(runtime, provider);
  const fail = (message: string): OAuthError =>
    new OAuthError(`"authorizationParams" must be ${message}`, { code: 'OAUTH_INTERNAL_ERROR' });
  const params = {
    ...checkAuthorizationParams({ ...settings.authorizationParams(req) }, fail),
    ...checkAuthorizationParams({ ...login.authorizationParams }, fail),
  };
  const state = randomState();
  const codeVerifier = randomPKCECodeVerifier();
  const nonce = provider.usesNonce ? randomNonce() : undefined;
  const url = await provider.authorizationUrl({
    state,
    codeChallenge: await calculatePKCECodeChallenge(codeVerifier),
    params,
    ...(nonce === undefined ? {} : { nonce }),
  });
  addTransaction(
    req,
    state,
    {
      codeVerifier,
      returnTo: safeReturnTo(login.returnTo),
      createdAt: Date.now(),
      provider: provider.name,
      ...(nonce === undefined ? {} : { nonce }),
    },
    options.transactionMaxAge * 1000,
    options.maxTransactions,
  );
  // Saved before the redirect: with a remote store, the callback could otherwise outrun the write.
  await saveSession(req);
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, url.href);
}

function requestedReturnTo(req: Request): OAuthLoginOptions {
  const returnTo = new URL(req.originalUrl, 'http://query.invalid').searchParams.getAll('returnTo');
  return returnTo.length === 1 ? { returnTo: returnTo[0] } : {};
}

/** GET /login?returnTo=/path, or GET /login/:provider with several providers. */
export function loginRoute(runtime: OAuthRuntime) {
  return function oauthLogin(req: Request, res: Response, next: NextFunction): void {
    const provider = runtime.options.multi ? String(req.params.provider) : undefined;
    startLogin(runtime, req, res, {
      ...requestedReturnTo(req),
      ...(provider === undefined ? {} : { provider }),
    }).catch((error: unknown) => handleError(runtime.options, error, req, res, next));
  };
}

function chooserPage(
  runtime: OAuthRuntime,
  loginPath: string,
  returnTo: string | undefined,
): string {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const links = [...runtime.providers.values()]
    .map((provider: OAuthProviderClient) => {
      const label = runtime.options.providers.get(provider.name)?.label ?? provider.name;
      const href = `${loginPath}/${encodeURIComponent(provider.name)}${query}`;
      return `<li><a href="${escapeHtml(href)}">Continue with ${escapeHtml(label)}</a></li>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title></head><body><h1>Sign in</h1><ul>${links}</ul></body></html>`;
}

/**
 * GET /login with several providers: the default provider's login when one is configured,
 * otherwise a plain page listing them (applications usually link to /login/:provider directly).
 */
export function chooserRoute(runtime: OAuthRuntime, loginPath: string) {
  return function oauthChooseProvider(req: Request, res: Response, next: NextFunction): void {
    const login = requestedReturnTo(req);
    if (runtime.options.defaultProvider !== undefined) {
      startLogin(runtime, req, res, login).catch((error: unknown) =>
        handleError(runtime.options, error, req, res, next),
      );
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(chooserPage(runtime, loginPath, login.returnTo));
  };
}
