/** API protection: access tokens for the application's own API, next to its sign-in. */
export { requireAuthOrBearer, requireBearer } from './require-bearer.js';
export type {
  OAuthDpopOptions,
  OAuthIntrospectionOptions,
  RequireBearerOptions,
} from './option-types.js';
export { createMemoryReplayStore, createRedisReplayStore } from './replay-store.js';
export type {
  OAuthMemoryReplayStoreOptions,
  OAuthRedisReplayClient,
  OAuthReplayStore,
} from './replay-store.js';
