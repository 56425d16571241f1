/**
 * Seconds until a rate-limited provider may be tried again: `Retry-After` (delta-seconds or an
 * HTTP date), else `X-RateLimit-Reset` (epoch seconds, or delta-seconds when small).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function retryAfterSeconds(
  headers: Headers | undefined,
  now = Date.now(),
): number | undefined {
  const retryAfter = headers?.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  const reset = headers?.get('x-ratelimit-reset')?.trim();
  if (reset && /^\d+$/.test(reset)) {
    const value = Number(reset);
    // The generic PHP OAuth 2.0 API: X-RateLimit-Reset is an epoch time; others send seconds.
    return value > 1_000_000_000 ? Math.max(0, value - Math.floor(now / 1000)) : value;
  }
  return undefined;
}
