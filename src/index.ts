export { oauthMiddleware } from './middleware.js';
export { requireAuth } from './require-auth.js';
export type { RequireAuthOptions } from './require-auth.js';
export { OAuthError, OAuthErrorCodes, OAUTH_ERROR_STATUS } from './errors.js';
export type { OAuthErrorCode, OAuthErrorOptions } from './errors.js';
export type {
  OAuthErrorHandler,
  OAuthLogger,
  OAuthMiddlewareOptions,
  OAuthMultiProviderOptions,
  OAuthOptions,
  OAuthRoutes,
  OAuthSharedOptions,
} from './options.js';
export type {
  OAuthAuthorizationParams,
  OAuthCustomProvider,
  OAuthMapUser,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
  OAuthProfileContext,
  OAuthProviderOptions,
  OAuthQuirks,
  OAuthUserProfile,
} from './provider-types.js';
export type { OAuthAdapter, OAuthAdapterContext, OAuthAdapterTokens } from './adapter.js';
export type { OAuthRouter } from './middleware.js';
export type { OAuthLoginOptions } from './login.js';
export type { OAuthTokens } from './tokens.js';
export type { OAuthContext, OAuthSessionData, OAuthUser } from './augment.js';
export { algogene, alpaca, financefeast, genericOAuth2 } from './providers/presets/index.js';
export type {
  AlgogeneOptions,
  AlpacaOptions,
  FinancefeastOptions,
  GenericOAuth2Options,
} from './providers/presets/index.js';
export { algoreg } from './token-client/index.js';
export type { AlgoregOptions } from './token-client/index.js';
export { createTokenClient } from './token-client/index.js';
export type {
  OAuthBasicAuthOptions,
  OAuthClientCredentialsGrantOptions,
  OAuthPasswordGrantOptions,
  OAuthTokenClient,
  OAuthTokenClientBaseOptions,
  OAuthTokenClientOptions,
  OAuthTokenClientQuirks,
  OAuthTokenGrantBaseOptions,
} from './token-client/index.js';
export { createMemoryRefreshLock, createRedisRefreshLock } from './refresh-lock.js';
export type { OAuthRedisLockClient, OAuthRefreshLock } from './refresh-lock.js';
