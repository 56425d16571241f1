import type { NextFunction, Request, Response } from 'express';
import { parseCallbackQuery } from './callback-params.js';
import { OAuthError } from './errors.js';
import { handleError } from './render-error.js';
import { providerNamed, settingsOf } from './runtime.js';
import type { OAuthRuntime } from './runtime.js';
import { establishSession, saveSession, takeTransaction } from './session.js';
import type { OAuthAuthentication } from './session.js';
import { indexSession } from './session-index.js';

/**
 * Lists the new session under the provider user (and provider session), so a back-channel logout
 * can find it from any app instance. A failure here costs only that, not the login.
 */
async function indexForBackchannelLogout(
  runtime: OAuthRuntime,
  req: Request,
  authentication: OAuthAuthentication,
): Promise<void> {
  const provider = runtime.providers.get(authentication.user.provider);
  if (
    runtime.options.routes.backchannelLogout === false ||
    provider?.verifyLogoutToken === undefined
  ) {
    return;
  }
  const { iss, sid } = authentication.user.claims;
  if (typeof iss !== 'string') return;
  try {
    await indexSession(req, {
      issuer: iss,
      sub: authentication.user.sub,
      sid: typeof sid === 'string' ? sid : undefined,
    });
  } catch (error) {
    runtime.options.logger.error('could not record the session for back-channel logout', error);
  }
}

async function completeCallback(runtime: OAuthRuntime, req: Request, res: Response): Promise<void> {
  const { options } = runtime;
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    throw new OAuthError('the callback accepts only GET', { code: 'OAUTH_METHOD_NOT_ALLOWED' });
  }
  const provider = providerNamed(
    runtime,
    options.multi ? String(req.params.provider) : options.defaultProvider,
  );
  const settings = settingsOf(runtime, provider);
  const query = parseCallbackQuery(req.originalUrl, provider.codeFlow);
  const state = query.get('state');
  if (state === null || state === '') {
    throw new OAuthError('the callback carries no "state"; start the login again', {
      code: 'OAUTH_STATE_MISSING',
    });
  }
  // Delete the transaction before validating it, so a replayed callback cannot reuse it.
  const taken = takeTransaction(req, state);
  if (!taken.found) {
    // Nothing in the session changes here: a forged callback (or an error response carrying a
    // foreign state) must not log anyone out.
    throw taken.anyPending
      ? new OAuthError('the callback "state" matches no login started in this browser', {
          code: 'OAUTH_STATE_MISMATCH',
        })
      : new OAuthError(
          'no login is in progress in this browser session; start at the login route',
          {
            code: 'OAUTH_NO_TRANSACTION',
          },
        );
  }
  const { transaction } = taken;
  try {
    if (transaction.provider !== provider.name) {
      throw new OAuthError('the callback "state" belongs to a login with another provider', {
        code: 'OAUTH_STATE_MISMATCH',
      });
    }
    if (Date.now() - transaction.createdAt > options.transactionMaxAge * 1000) {
      throw new OAuthError(
        `the login took longer than ${options.transactionMaxAge} seconds; start it again`,
        { code: 'OAUTH_TRANSACTION_EXPIRED' },
      );
    }
    if (provider.codeFlow && !query.get('code') && !query.get('error')) {
      throw new OAuthError('the callback carries neither "code" nor "error"', {
        code: 'OAUTH_INVALID_CALLBACK',
      });
    }
    // The redirect_uri comes from the configured baseURL, never from the Host header.
    const callbackUrl = new URL(settings.redirectUri);
    callbackUrl.search = query.toString();
    const authentication = await provider.completeLogin(callbackUrl, state, transaction);
    await establishSession(req, authentication);
    await indexForBackchannelLogout(runtime, req, authentication);
  } catch (error) {
    // The consumed transaction must stay consumed even though the login failed.
    await saveSession(req).catch(() => undefined);
    throw error;
  }
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, transaction.returnTo);
}

/** GET /callback — the provider's redirect back with `code`, `state` and `iss` (or `error`). */
export function callbackRoute(runtime: OAuthRuntime) {
  return function oauthCallback(req: Request, res: Response, next: NextFunction): void {
    // The URL holds the authorization code: never let it leak to another site through Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    completeCallback(runtime, req, res).catch((error: unknown) =>
      handleError(runtime.options, error, req, res, next),
    );
  };
}
