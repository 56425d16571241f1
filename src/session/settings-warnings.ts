import type { Request } from 'express';
import type { ResolvedOptions } from '../options/resolve.js';

/**
 * Session settings that break or weaken login, seen on the first request (express-session's
 * options are not visible before), each reported once through the logger with its fix.
 */
export function sessionSettingWarnings(req: Request, options: ResolvedOptions): string[] {
  const warnings: string[] = [];
  const cookie = req.session.cookie as
    { sameSite?: unknown; secure?: unknown; httpOnly?: unknown } | undefined;
  const production = process.env.NODE_ENV === 'production';
  const httpsApp = options.baseURL.protocol === 'https:';
  if (cookie?.sameSite === 'strict' || cookie?.sameSite === true) {
    warnings.push(
      "the session cookie has sameSite: 'strict', so browsers drop it on the provider's redirect back and every login fails with OAUTH_NO_TRANSACTION; use sameSite: 'lax'",
    );
  }
  if (cookie?.sameSite === 'none' && cookie.secure !== true) {
    warnings.push(
      "the session cookie has sameSite: 'none' without secure: browsers refuse it; use sameSite: 'lax'",
    );
  }
  if ((production || httpsApp) && cookie?.secure !== true && cookie?.secure !== 'auto') {
    warnings.push(
      "the session cookie is not secure: behind TLS set cookie: { secure: true } (and app.set('trust proxy', 1) behind a proxy), or the session id travels in clear",
    );
  }
  if (cookie?.httpOnly === false) {
    warnings.push(
      'the session cookie has httpOnly: false, so page scripts can read the session id; remove it',
    );
  }
  const store = req.sessionStore as { constructor?: { name?: string } } | undefined;
  if (production && store?.constructor?.name === 'MemoryStore') {
    warnings.push(
      "express-session's MemoryStore is in use in production: it loses every session on restart, is not shared between instances and leaks memory; use a real store (see docs/production.md)",
    );
  }
  return warnings;
}
