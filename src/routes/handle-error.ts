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
