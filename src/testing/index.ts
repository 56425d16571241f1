/**
 * `express-oauth-rp/testing`: what an application's own test suite needs to test its login
 * without a real provider. A local OpenID Provider that signs real tokens (and misbehaves on
 * demand), and a helper that signs a user in for a supertest agent through the real routes.
 *
 * @example
 * ```ts
 * import { startOpenIdProvider, signIn } from 'express-oauth-rp/testing';
 * const provider = await startOpenIdProvider();
 * const { issuer, clientId, clientSecret } = provider;
 * const app = createApp({ issuer, clientId, clientSecret });
 * const agent = request.agent(app);
 * await signIn(agent, provider, { user: 'alice' });
 * await agent.get('/me').expect(200);
 * ```
 *
 * @module express-oauth-rp/testing
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
  PublicJwk,
  RecordedRequest,
  Script,
  ScriptContext,
  ScriptedProvider as OpenIdTestProvider,
  ScriptedProviderOptions as OpenIdTestProviderOptions,
  SigningKey,
  SignOptions,
  TokenScript,
  UserinfoScript,
} from './provider/types.js';
