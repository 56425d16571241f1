/**
 * express-oauth-rp: an Express app as a secure OAuth 2.0 / OpenID Connect relying party.
 *
 * - Sign-in: {@link oauthMiddleware} answers the login, callback and logout routes and sets
 *   `req.oauthUser` and `req.oauth`; {@link requireAuth} guards the application's own routes.
 * - Providers: OpenID Connect by discovery, plain OAuth 2.0 by explicit endpoints, custom
 *   adapters, and presets for the providers the package was built with.
 * - Server-to-server: {@link createTokenClient}.
 * - Errors: one {@link OAuthError} class with stable codes.
 *
 * @module express-oauth-rp
 */

// Sign-in
export { oauthMiddleware } from './middleware.js';
export type { OAuthMiddleware, OAuthRouter } from './middleware.js';
export { requireAuth } from './require-auth.js';
export type { RequireAuthOptions } from './options/require-auth.js';
export type { OAuthLoginOptions } from './routes/login.js';
export type { OAuthFetchInit, OAuthResourceOptions, OAuthSilentLoginOptions } from './context.js';
export type { OAuthContext, OAuthSessionData, OAuthUser } from './augment.js';
export type { OAuthDPoPKey, OAuthTokens } from './session/tokens.js';
export type { OAuthTokenSummary } from './session/token-summary.js';
export type { OAuthTransaction } from './session/transactions.js';
export type { OAuthCompletedLogin } from './session/completed-login.js';

// Options
export type {
  OAuthErrorHandler,
  OAuthLogger,
  OAuthMiddlewareOptions,
  OAuthMultiProviderOptions,
  OAuthOptions,
  OAuthSharedOptions,
} from './options/types.js';
export type {
  OAuthChooserPageContext,
  OAuthChooserProvider,
  OAuthErrorPageContext,
  OAuthPages,
} from './options/page-types.js';
export type { OAuthRoutes } from './options/route-types.js';
export type {
  OAuthAuthorizationParams,
  OAuthCustomProvider,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
  OAuthProviderOptions,
} from './options/provider-types.js';
export type {
  OAuthMapUser,
  OAuthProfileContext,
  OAuthUserProfile,
} from './options/profile-types.js';
export type { OAuthQuirks } from './options/quirk-types.js';
export type { OAuthClientKey, OAuthClientKeyAlgorithm } from './options/client-keys.js';
export type {
  OAuthTenant,
  OAuthTenantOptions,
  OAuthTenantProviders,
} from './options/tenant-types.js';
export type { OAuthClientCertificate } from './options/client-certificate.js';

// What the application decides
export type {
  OAuthAllowRules,
  OAuthClaimCondition,
  OAuthLogoutEvent,
  OAuthLogoutParams,
  OAuthRefreshEvent,
  OAuthSignInContext,
  OAuthSignInHook,
  OAuthSignInResult,
  OAuthTokenInfo,
  OAuthUserChanges,
} from './options/policy-types.js';

// Providers
export type {
  OAuthAdapter,
  OAuthAdapterContext,
  OAuthAdapterTokens,
  OAuthProviderHttp,
} from './providers/adapter.js';
export { algogene, alpaca, financefeast, genericOAuth2 } from './providers/presets/index.js';
export type {
  AlgogeneOptions,
  AlpacaOptions,
  FinancefeastOptions,
  GenericOAuth2Options,
} from './providers/presets/index.js';

// Errors
export { OAuthError, OAuthErrorCodes, OAUTH_ERROR_STATUS } from './errors.js';
export type { OAuthErrorCode, OAuthErrorOptions } from './errors.js';

// Several instances
export { createMemoryRefreshLock, createRedisRefreshLock } from './refresh/locks.js';
export type { OAuthRedisLockClient, OAuthRefreshLock } from './refresh/locks.js';

// The session store
export { boundSessionStore } from './session/bounded-store.js';
export type { OAuthBoundedStoreOptions } from './session/bounded-store.js';

// Server-to-server tokens
export { algoreg, createTokenClient } from './token-client/index.js';
export type { AlgoregOptions } from './token-client/index.js';
export type {
  OAuthBasicAuthOptions,
  OAuthClientCredentialsGrantOptions,
  OAuthPasswordGrantOptions,
  OAuthTokenClient,
  OAuthTokenClientAuthMethod,
  OAuthTokenClientBaseOptions,
  OAuthTokenClientOptions,
  OAuthTokenClientQuirks,
  OAuthTokenGrantBaseOptions,
} from './token-client/index.js';

// API protection
export {
  createMemoryReplayStore,
  createRedisReplayStore,
  requireAuthOrBearer,
  requireBearer,
} from './bearer/index.js';
export type {
  OAuthDpopOptions,
  OAuthIntrospectionOptions,
  OAuthMemoryReplayStoreOptions,
  OAuthRedisReplayClient,
  OAuthReplayStore,
  RequireBearerOptions,
} from './bearer/index.js';

// Operations: events, telemetry, health
export { OAUTH_CHANNELS, subscribeOAuthEvents } from './observability/events.js';
export type {
  OAuthBackchannelLogoutEvent,
  OAuthEndpointKind,
  OAuthEventName,
  OAuthEventPayloads,
  OAuthLoginFailureEvent,
  OAuthLoginStartEvent,
  OAuthLoginSuccessEvent,
  OAuthLogoutPublishedEvent,
  OAuthProviderRequestEvent,
  OAuthRefreshLockTimeoutEvent,
  OAuthRefreshLockWaitEvent,
  OAuthRefreshPublishedEvent,
} from './observability/events.js';
export type { OAuthFetch, OAuthTelemetryOptions } from './options/types.js';
export type {
  OAuthHealth,
  OAuthLoadedHealth,
  OAuthProviderFailureHealth,
  OAuthProviderHealth,
} from './observability/health.js';
