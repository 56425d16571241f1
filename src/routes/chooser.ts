import escapeHtml from 'escape-html';
import type { NextFunction, Request, Response } from 'express';
import type { OAuthChooserPageContext } from '../options/page-types.js';
import type { OAuthRuntime } from '../runtime.js';
import { handleError } from './handle-error.js';
import { requestedReturnTo, startLogin } from './login.js';
import { renderPage, sendPage } from './page-shell.js';
import { safeReturnTo } from './return-to.js';

function chooserContext(
  runtime: OAuthRuntime,
  loginPath: string,
  returnTo: string | undefined,
): OAuthChooserPageContext {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  return {
    providers: runtime.providers.all().map((provider) => ({
      name: provider.name,
      label: provider.settings.label,
      loginUrl: `${loginPath}/${encodeURIComponent(provider.name)}${query}`,
    })),
    returnTo: safeReturnTo(returnTo),
  };
}

function chooserPage(context: OAuthChooserPageContext): string {
  const links = context.providers
    .map((provider) => {
      const initial = escapeHtml(provider.label.trim().charAt(0).toUpperCase());
      return `<li><a class="button" href="${escapeHtml(provider.loginUrl)}"><span class="badge" aria-hidden="true">${initial}</span><span>Continue with ${escapeHtml(provider.label)}</span></a></li>`;
    })
    .join('\n');
  return renderPage(
    'Sign in',
    `<h1>Sign in</h1>
<p class="lead">Choose where you have an account. You will come back here once you are signed in.</p>
<ul>
${links}
</ul>`,
  );
}

/**
 * GET /login with several providers: the default provider's login when one is configured,
 * otherwise a page listing them (the application's, from `pages.chooser`, or the built-in one).
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
    const context = chooserContext(runtime, loginPath, login.returnTo);
    let custom: string | undefined;
    try {
      const html = runtime.options.pages.chooser?.(context, req);
      custom = typeof html === 'string' ? html : undefined;
    } catch (error) {
      handleError(runtime.options, error, req, res, next);
      return;
    }
    sendPage(res, 200, custom ?? chooserPage(context), custom === undefined);
  };
}
