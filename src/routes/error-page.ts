import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { Request, Response } from 'express';
import type { OAuthError } from '../errors.js';

const TITLES: Record<number, string> = {
  400: 'Sign-in failed',
  401: 'Sign-in required',
  403: 'Access denied',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Something went wrong',
  502: 'The sign-in provider misbehaved',
  503: 'The sign-in provider is unavailable',
  504: 'The sign-in provider did not answer',
};

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.5rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:.25rem}a{color:#2563eb}';

/**
 * The page's own Content-Security-Policy: it allows exactly its one inline style (by hash), so the
 * page renders under an application's strict CSP (helmet's) and runs no script whatever it shows.
 */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

function page(error: OAuthError): string {
  const title = TITLES[error.status] ?? 'Sign-in failed';
  const retry =
    error.retryAfter === undefined
      ? ''
      : `<p>Try again in ${error.retryAfter} second${error.retryAfter === 1 ? '' : 's'}.</p>`;
  const provider =
    error.error === undefined
      ? ''
      : `<p>The provider said: <code>${escapeHtml(error.error)}</code>${
          error.errorDescription === undefined ? '' : ` — ${escapeHtml(error.errorDescription)}`
        }</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(error.message)}.</p>${provider}${retry}
<p><small>Error code: <code>${escapeHtml(error.code)}</code></small></p><p><a href="/">Back to the home page</a></p></body></html>`;
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

/** The default rendering, by content negotiation: an escaped HTML page or JSON. */
export function renderError(error: OAuthError, req: Request, res: Response): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status);
  res.setHeader('Cache-Control', 'no-store');
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
  if (req.accepts(['json', 'html']) === 'html') {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(page(error));
  } else {
    res.json(errorBody(error));
  }
}
