/**
 * `express-oauth-rp/testing`: what an application's own test suite needs to test its login
 * without a real provider. A local OpenID Provider that signs real tokens (and misbehaves on
 * demand), and a helper that signs a user in for a supertest agent through the real routes.
 *
 * @example
 * ```ts
 * import { startOpenIdProvider, signIn } from 'express-oauth-rp/testing';
 * const provider = await startOpenIdProvider();
 * const app = createApp({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret });
 * const agent = request.agent(app);
 * await signIn(agent, provider, { user: 'alice' });
 * await agent.get('/me').expect(200);
 * ```
 */
export { startScriptedProvider as startOpenIdProvider } from './provider/server.js';
export { authorize } from './provider/browser.js';
export { signIn } from './sign-in.js';
export type { OAuthTestAgent, SignInOptions } from './sign-in.js';
export type {
  AuthorizeScript,
  EndpointScript,
  IdTokenScript,
  Json,
  JsonObject,
  Patch,
  RecordedRequest,
  Script,
  ScriptedProvider as OpenIdTestProvider,
  ScriptedProviderOptions as OpenIdTestProviderOptions,
  SigningKey,
  SignOptions,
  TokenScript,
  UserinfoScript,
} from './provider/types.js';
