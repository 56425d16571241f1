import type { ScriptedProvider } from './types.js';

/**
 * Plays the browser at the authorization endpoint: follows nothing, returns where the provider
 * redirects to (the RP's callback URL with code/state/iss or an error). A relative URL is resolved
 * against the provider's issuer. Throws when the provider does not redirect.
 */
export async function authorize(
  provider: ScriptedProvider,
  authorizationUrl: string | URL,
): Promise<URL> {
  const url = new URL(authorizationUrl, provider.issuer);
  const response = await fetch(url, { redirect: 'manual' });
  const body = await response.text();
  const location = response.headers.get('location');
  if (response.status < 300 || response.status > 399 || location === null) {
    throw new Error(`GET ${url.pathname} answered ${response.status} without redirect: ${body}`);
  }
  return new URL(location, url);
}
