import escapeHtml from 'escape-html';
import type { Request, Response } from 'express';
import type { OAuthError } from '../errors.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { routeUrl } from '../options/routes.js';
import type { OAuthErrorPageContext } from '../options/page-types.js';
import { describeError } from './error-wording.js';
import { renderPage, sendPage } from './page-shell.js';

export { PAGE_CSP } from './page-shell.js';

/** The application's root, where every "home" next step goes (under baseURL's path prefix). */
export function homePath(options: ResolvedOptions | undefined): string {
  return options === undefined ? '/' : options.baseURL.pathname;
}

/** The error in words for people, with a next step resolved against the configured routes. */
export function errorPageContext(
  error: OAuthError,
  options: ResolvedOptions | undefined,
): OAuthErrorPageContext {
  const wording = describeError(error);
  const login = options?.routes.login;
  const signIn =
    wording.next === 'sign-in' && options !== undefined && typeof login === 'string'
      ? new URL(routeUrl(options.baseURL, login)).pathname
      : undefined;
  return {
    error,
    status: error.status,
    title: wording.title,
    message: wording.message,
    nextStep:
      signIn === undefined
        ? { label: 'Go to the home page', href: homePath(options) }
        : { label: wording.action, href: signIn },
    retryAfter: error.retryAfter,
  };
}

function seconds(count: number): string {
  return `${count} second${count === 1 ? '' : 's'}`;
}

/** The built-in page: the words for people first, the developer's detail in the small print. */
function page(context: OAuthErrorPageContext): string {
  const { error } = context;
  const retry =
    context.retryAfter === undefined ? '' : `<p>Try again in ${seconds(context.retryAfter)}.</p>`;
  const provider =
    error.error === undefined
      ? ''
      : `<p>The provider said: <code>${escapeHtml(error.error)}</code>${
          error.errorDescription === undefined ? '' : ` — ${escapeHtml(error.errorDescription)}`
        }</p>`;
  return renderPage(
    context.title,
    `<p class="status">Error ${context.status}</p>
<h1>${escapeHtml(context.title)}</h1>
<p class="lead">${escapeHtml(context.message)}</p>${retry}
<a class="button primary" href="${escapeHtml(context.nextStep.href)}">${escapeHtml(context.nextStep.label)}</a>
<div class="fine"><p>For the site's developers:</p><p>Error code: <code>${escapeHtml(error.code)}</code> — ${escapeHtml(error.message)}</p>${provider}</div>`,
  );
}

/** The error as JSON: its stable code, never a stack or a cause. */
export function errorBody(error: OAuthError): Record<string, unknown> {
  return {
    code: error.code,
    status: error.status,
    message: error.message,
    ...(error.error === undefined ? {} : { error: error.error }),
    ...(error.errorDescription === undefined ? {} : { error_description: error.errorDescription }),
    ...(error.retryAfter === undefined ? {} : { retry_after: error.retryAfter }),
  };
}

/** The application's page from `pages.error`, or undefined to use the built-in one. */
function applicationPage(
  context: OAuthErrorPageContext,
  req: Request,
  options: ResolvedOptions | undefined,
): string | undefined {
  const render = options?.pages.error;
  if (render === undefined) return undefined;
  try {
    const html = render(context, req);
    return typeof html === 'string' ? html : undefined;
  } catch (renderError) {
    // The built-in page still tells the user what happened; the broken renderer is logged.
    options?.logger.error('"options.pages.error" threw; the built-in page was sent', renderError);
    return undefined;
  }
}

/**
 * The default rendering, by content negotiation: an escaped HTML page (the application's, from
 * `pages.error`, or the built-in one) or JSON.
 */
export function renderError(
  error: OAuthError,
  req: Request,
  res: Response,
  options?: ResolvedOptions,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.setHeader('Cache-Control', 'no-store');
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
  if (req.accepts(['json', 'html']) !== 'html') {
    res.status(error.status).json(errorBody(error));
    return;
  }
  const context = errorPageContext(error, options);
  const custom = applicationPage(context, req, options);
  sendPage(res, error.status, custom ?? page(context), custom === undefined);
}
