export { oauthMiddleware } from './middleware.js';
export { requireAuth } from './require-auth.js';
export type { RequireAuthOptions } from './require-auth.js';
export { OAuthError, OAuthErrorCodes, OAUTH_ERROR_STATUS } from './errors.js';
export type { OAuthErrorCode, OAuthErrorOptions } from './errors.js';
export type {
  OAuthAuthorizationParams,
  OAuthErrorHandler,
  OAuthLogger,
  OAuthOptions,
  OAuthRoutes,
} from './options.js';
export type { OAuthLoginOptions } from './login.js';
export type { OAuthTokens } from './tokens.js';
export type { OAuthContext, OAuthSessionData, OAuthUser } from './augment.js';
