const FALLBACK = '/';
const MAX_LENGTH = 2048;
const PLACEHOLDER_ORIGIN = 'http://return-to.invalid';

/**
 * Reduces a requested return URL to a same-origin path, or `/`.
 *
 * Anything that a browser could read as another origin falls back: protocol-relative `//x`,
 * backslash `/\x` (browsers treat `\` as `/`), scheme-relative `https:x`, `javascript:`, and the
 * same forms hidden behind percent-encoding or control characters (browsers strip tabs and newlines
 * from URLs, so `/\t/x` is `//x`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11 (open redirectors)
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return FALLBACK;
  if (!isPlainPath(value)) return FALLBACK;
  for (const decoded of decodings(value)) {
    if (!startsLikePath(decoded)) return FALLBACK;
  }
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return FALLBACK;
  return `${url.pathname}${url.search}${url.hash}`;
}

function isPlainPath(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\\s]/.test(value)) return false;
  return value.startsWith('/') && !value.startsWith('//');
}

/** A decoded form may hold spaces (`?q=a%20b`); only its start decides where a browser goes. */
function startsLikePath(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^\/(?![/\\\s\u0000-\u001f])/.test(value) || value === '/';
}

/** Successive percent-decodings (at most three), so `%2F%2F` and `%252F%252F` are seen too. */
function decodings(value: string): string[] {
  const found: string[] = [];
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return [...found, '\\'];
    }
    if (next === current) break;
    found.push(next);
    current = next;
  }
  return found;
}
