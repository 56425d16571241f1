import escapeHtml from 'escape-html';
import type { NextFunction, Request, Response } from 'express';
import type { OAuthRuntime } from '../runtime.js';
import { PAGE_CSP } from './error-page.js';
import { handleError } from './handle-error.js';
import { requestedReturnTo, startLogin } from './login.js';

function chooserPage(runtime: OAuthRuntime, loginPath: string, returnTo: string | undefined) {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const links = runtime.providers
    .all()
    .map((provider) => {
      const href = `${loginPath}/${encodeURIComponent(provider.name)}${query}`;
      return `<li><a href="${escapeHtml(href)}">Continue with ${escapeHtml(provider.settings.label)}</a></li>`;
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
