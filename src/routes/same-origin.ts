import type { Request } from 'express';
import { OAuthError } from '../errors.js';

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * Logout changes state, so a page on another site must not be able to trigger it (logout CSRF).
 * Browsers say where a request comes from in `Sec-Fetch-Site`, else `Origin`, else `Referer`; a
 * request with none of them does not come from a browser page.
 *
 * @see https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header
 */
export function assertSameOrigin(req: Request, expectedOrigin: string): void {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const referer = req.get('referer');
  let sameOrigin = true;
  if (site !== undefined) sameOrigin = site === 'same-origin' || site === 'none';
  else if (origin !== undefined) sameOrigin = origin === expectedOrigin;
  else if (referer !== undefined) sameOrigin = originOf(referer) === expectedOrigin;
  if (!sameOrigin) {
    throw new OAuthError('logout must be requested from the application itself', {
      code: 'OAUTH_CROSS_SITE_REQUEST',
    });
  }
}
