import type {} from 'express-session';
import type { OAuthContext } from './context.js';
import type { OAuthSessionData } from './session/sign-in.js';
import type { OAuthUser } from './session/user.js';

// Types for the fields the middleware adds, merged into Express's and express-session's own
// declarations so `req.oauthUser` and `req.oauth` are typed in every handler of the application.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in user, or `undefined`; set by `oauthMiddleware()` for every later handler. */
      oauthUser?: OAuthUser;
      /** Session helpers set by `oauthMiddleware()`: tokens, userinfo, login and logout. */
      oauth: OAuthContext;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    /** Owned by express-oauth-rp: pending logins, the signed-in user and the tokens. */
    oauth: OAuthSessionData;
  }
}

export type { OAuthContext, OAuthSessionData, OAuthUser };
