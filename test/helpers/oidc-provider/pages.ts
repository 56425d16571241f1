/** The HTML pages the test provider renders itself: errors and the logout prompts. */
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

/** Plain, font-free pages: the defaults @import Google Fonts, and there is no network here. */
export function renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: unknown): void {
  const lines = Object.entries(out)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `<p>${escapeHtml(key)}: ${escapeHtml(value)}</p>`);
  ctx.type = 'html';
  ctx.body = page('Error', lines.join('\n'));
}

export function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.body = page(
    'Sign out',
    `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

export function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.body = page('Signed out', '<p>Sign-out successful.</p>');
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
