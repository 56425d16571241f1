import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from '../errors.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { renderError } from './error-page.js';

/** Anything a route throws becomes an OAuthError; an unexpected one is logged and shown as generic. */
export function asOAuthError(error: unknown, options: ResolvedOptions): OAuthError {
  if (error instanceof OAuthError) return error;
  options.logger.error('unexpected failure inside oauthMiddleware()', error);
  return new OAuthError('an unexpected error occurred while signing in', {
    code: 'OAUTH_INTERNAL_ERROR',
    cause: error,
  });
}

/** Hands the error to `onError` when the application set one, otherwise renders it. */
export function handleError(
  options: ResolvedOptions,
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  const oauthError = asOAuthError(error, options);
  if (oauthError.status >= 500 && oauthError.code !== 'OAUTH_INTERNAL_ERROR') {
    options.logger.error(`${oauthError.code}: ${oauthError.message}`, oauthError.cause, {
      code: oauthError.code,
    });
  }
  if (options.onError === undefined) {
    renderError(oauthError, req, res, options);
    return;
  }
  try {
    options.onError(oauthError, req, res, next);
  } catch (hookError) {
    next(hookError);
  }
}

/** Longest `error_description` quoted in the log: it is the provider's text, or a forger's. */
const MAX_DESCRIPTION = 300;

/**
 * The warning a failed callback leaves for the developer: the page shows its detail only in the
 * small print, to whoever is in front of the browser. The code, the message (written by the
 * package, never holding a state, code or token) and the provider's `error` and
 * `error_description`, quoted as JSON so that a forged description cannot start a log line of
 * its own.
 */
function callbackWarning(error: OAuthError): string {
  const said =
    error.error === undefined
      ? ''
      : `; the provider said ${JSON.stringify(error.error.slice(0, 100))}${
          error.errorDescription === undefined
            ? ''
            : `: ${JSON.stringify(error.errorDescription.slice(0, MAX_DESCRIPTION))}`
        }`;
  return `callback failed with ${error.code} (${error.status}): ${error.message}${said}`;
}

/**
 * {@link handleError} for the callback: a failure below 500 (a refusal, a forged or stale
 * callback, an expired login) is also logged as a warning with its code and the provider's
 * `error_description`; a 5xx is logged as an error by `handleError` already.
 */
export function handleCallbackError(
  options: ResolvedOptions,
  error: unknown,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  const oauthError = asOAuthError(error, options);
  if (oauthError.status < 500) {
    options.logger.warn(callbackWarning(oauthError), { code: oauthError.code });
  }
  handleError(options, oauthError, req, res, next);
}
