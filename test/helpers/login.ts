import request from 'supertest';
import { completeLogin } from './oidc-provider.js';
import type { CompleteLoginOptions } from './oidc-provider.js';

export type Agent = request.Agent;

/** A browser for the app under test: supertest's agent keeps the app's session cookie. */
export function browser(appUrl: string): Agent {
  return request.agent(appUrl);
}

/** The path and query of a URL, as a browser would request it from the app. */
export function pathOf(url: string | URL): string {
  const parsed = new URL(url, 'http://app.invalid');
  return `${parsed.pathname}${parsed.search}`;
}

/** GET the login route and return the provider URL it redirects to. */
export async function startLogin(agent: Agent, loginPath = '/login'): Promise<URL> {
  const response = await agent.get(loginPath);
  if (response.status !== 303) {
    throw new Error(`login answered ${response.status}: ${response.text.slice(0, 200)}`);
  }
  return new URL(response.headers.location as string);
}

/**
 * Logs in through the real routes and the real provider: /login, the provider's login and consent
 * forms, then /callback. Returns the callback response (a 303 to returnTo on success).
 */
export async function loginThroughProvider(
  agent: Agent,
  options: CompleteLoginOptions & { loginPath?: string } = {},
): Promise<request.Response> {
  const authorizationUrl = await startLogin(agent, options.loginPath);
  const callback = await completeLogin(authorizationUrl, options);
  return agent.get(pathOf(callback));
}
