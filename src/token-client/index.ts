/**
 * The server-to-server token client: {@link createTokenClient} calls an API on behalf of the
 * server itself, with no user signing in; presets such as {@link algoreg} hold what a provider
 * does beyond the RFCs.
 */
export { createTokenClient } from './client.js';
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
} from './types.js';
export { algoreg } from './presets/algoreg.js';
export type { AlgoregOptions } from './presets/algoreg.js';
