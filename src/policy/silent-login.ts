import type { Request, Response } from 'express';
import { startLogin } from '../routes/login.js';
import type { OAuthRuntime } from '../runtime.js';
import { markSilentLogin, silentLoginTried } from '../session/silent-marker.js';

/**
 * A silent login (`prompt=none`), at most once per browser session: a user still signed in at
 * the provider comes back signed in without a page; for one who is not, the callback brings the
 * browser back to `returnTo`, signed out, with no error. The mark it leaves stops any second
 * attempt (several tabs cannot loop); an explicit `/login` clears it. Resolves to whether the
 * browser was sent to the provider.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export async function startSilentLogin(
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  login: { readonly provider?: string | undefined; readonly returnTo: string },
): Promise<boolean> {
  if (silentLoginTried(req)) return false;
  markSilentLogin(req, res, runtime.options.baseURL, true);
  await startLogin(
    runtime,
    req,
    res,
    {
      returnTo: login.returnTo,
      authorizationParams: { prompt: 'none' },
      ...(login.provider === undefined ? {} : { provider: login.provider }),
    },
    undefined,
    { silent: true },
  );
  return true;
}
