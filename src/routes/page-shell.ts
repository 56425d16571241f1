import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { Response } from 'express';

/**
 * The one look of the package's own pages (the provider chooser and the error page): a centred
 * card in system fonts, light and dark by `prefers-color-scheme`, readable at 390 px. It needs no
 * CSS from the application and runs under its own strict Content-Security-Policy: the one inline
 * style is allowed by its hash, the favicon is a `data:` image, and no script runs at all.
 */

const CSS = [
  ':root{color-scheme:light dark;--bg:#f4f5f9;--card:#fff;--text:#1b2030;--muted:#545d72;',
  '--line:#dfe3ec;--accent:#4338ca;--on-accent:#fff;--soft:#eef0fb;--code:#f1f3f8}',
  '@media (prefers-color-scheme:dark){:root{--bg:#0e111b;--card:#171b29;--text:#e8eaf2;',
  '--muted:#a7aec2;--line:#2c3247;--accent:#a5b4fc;--on-accent:#0e111b;--soft:#20263a;',
  '--code:#222840}}',
  '*{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;display:grid;place-items:center;padding:1.5rem 1rem;',
  'background:var(--bg);color:var(--text);font:16px/1.55 system-ui,-apple-system,"Segoe UI",',
  'Roboto,"Helvetica Neue",Arial,sans-serif;overflow-wrap:anywhere}',
  'main{width:100%;max-width:26rem}',
  '.card{background:var(--card);border:1px solid var(--line);border-radius:16px;',
  'padding:clamp(1.5rem,6vw,2.25rem);box-shadow:0 12px 32px -16px rgb(16 24 40/25%)}',
  'h1{margin:0 0 .5rem;font-size:1.5rem;line-height:1.25}',
  'p{margin:0 0 1rem}',
  '.lead{color:var(--muted)}',
  'a{color:var(--accent)}',
  'a:focus-visible{outline:3px solid var(--accent);outline-offset:3px}',
  'ul{list-style:none;margin:1.5rem 0 0;padding:0;display:grid;gap:.6rem}',
  '.button{display:flex;align-items:center;gap:.75rem;min-height:2.9rem;padding:.6rem 1rem;',
  'border:1px solid var(--line);border-radius:10px;color:var(--text);background:var(--card);',
  'font-weight:600;text-decoration:none}',
  '.button:hover{border-color:var(--accent);background:var(--soft)}',
  '.badge{flex:none;display:inline-grid;place-items:center;width:1.9rem;height:1.9rem;',
  'border-radius:8px;background:var(--soft);color:var(--accent);font-weight:700}',
  '.primary{justify-content:center;margin-top:1.5rem;background:var(--accent);',
  'border-color:var(--accent);color:var(--on-accent)}',
  '.primary:hover{background:var(--accent);opacity:.9}',
  '.status{margin:0 0 .35rem;color:var(--muted);font-size:.85rem;font-weight:600;',
  'letter-spacing:.04em;text-transform:uppercase}',
  '.fine{margin:1.75rem 0 0;padding-top:1rem;border-top:1px solid var(--line);',
  'color:var(--muted);font-size:.8rem}',
  '.fine p{margin:0 0 .35rem}',
  'code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:var(--code);',
  'padding:.05em .3em;border-radius:4px}',
].join('');

// A key, so the browser shows an icon without requesting /favicon.ico from the application.
const FAVICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
      'rx="8" fill="#4338ca"/><circle cx="12" cy="16" r="5" fill="none" stroke="#fff" ' +
      'stroke-width="3"/><path d="M17 16h9m-3 0v4" stroke="#fff" stroke-width="3"/></svg>',
  );

/**
 * The pages' own Content-Security-Policy: exactly their one inline style (by hash) and the
 * `data:` favicon, no script, forms only to this origin. It replaces the application's policy on
 * these pages, so they render the same under helmet's default one.
 */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

/** A page of the package: `title` is text (escaped here), `body` is trusted, escaped markup. */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${FAVICON}">
<style>${CSS}</style>
</head><body><main><div class="card">
${body}
</div></main></body></html>`;
}

/** Sends a page, built-in (with {@link PAGE_CSP}) or the application's (under its own policy). */
export function sendPage(res: Response, status: number, html: string, builtIn: boolean): void {
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  if (builtIn) res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.type('html').send(html);
}
