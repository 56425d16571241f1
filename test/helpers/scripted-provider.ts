// A scriptable, on demand hostile, OpenID Provider for relying-party tests; see
// scripted-provider/types.ts for the scripting surface.
export { startScriptedProvider } from '../../src/testing/provider/server.js';
export { authorize } from '../../src/testing/provider/browser.js';
export type {
  AuthorizeScript,
  EndpointName,
  EndpointScript,
  IdTokenScript,
  Json,
  JsonObject,
  Patch,
  PublicJwk,
  RecordedRequest,
  Script,
  ScriptContext,
  ScriptedProvider,
  ScriptedProviderOptions,
  SigningKey,
  SignOptions,
  TokenScript,
  UserinfoScript,
} from '../../src/testing/provider/types.js';

/** The client options an app needs to sign in with this provider. */
export function clientOf(provider: { issuer: string; clientId: string; clientSecret: string }): {
  issuer: string;
  clientId: string;
  clientSecret: string;
} {
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
  };
}
