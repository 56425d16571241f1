/**
 * The server-to-server token client: {@link createTokenClient} calls an API on behalf of the
 * server itself, with no user signing in.
 */
export { createTokenClient } from './client.js';
export type {
  OAuthBasicAuthOptions,
  OAuthClientCredentialsGrantOptions,
  OAuthPasswordGrantOptions,
  OAuthTokenClient,
  OAuthTokenClientBaseOptions,
  OAuthTokenClientOptions,
  OAuthTokenClientQuirks,
  OAuthTokenGrantBaseOptions,
} from './types.js';
