import { authorize } from './provider/browser.js';
import type { ScriptedProvider } from './provider/types.js';

/**
 * The part of a supertest agent (`request.agent(app)`) that {@link signIn} uses: any client that
 * keeps the app's cookies between requests will do.
 */
export interface OAuthTestAgent {
  /** Sends a GET to the app with the agent's cookies; redirects must not be followed. */
  get(url: string): PromiseLike<{
    /** The HTTP status of the answer, e.g. `302`. */
    status: number;
    /** The response headers, names in lower case; `location` is read from them. */
    headers: Record<string, unknown>;
    /** The response body as text, used in the error message when no redirect came. */
    text?: string;
  }>;
}

/** Options of {@link signIn}. */
export interface SignInOptions {
  /** Who signs in: the `sub` of the ID token. Default: the provider's current `subject`. */
  user?: string;
  /** Claims added to the ID token and userinfo for this sign-in (name, email, roles...). */
  claims?: Record<string, unknown>;
  /** The login route, e.g. `/login/corp` with several providers. Default `/login`. */
  loginPath?: string;
}

function location(
  response: { status: number; headers: Record<string, unknown>; text?: string },
  step: string,
): string {
  const target = response.headers.location;
  if (response.status < 300 || response.status > 399 || typeof target !== 'string') {
    throw new Error(
      `signIn: ${step} answered ${response.status} instead of a redirect${response.text ? `: ${response.text.slice(0, 200)}` : ''}`,
    );
  }
  return target;
}

/**
 * Signs a user in for a test agent in one line, through the application's real routes: GET the
 * login route, let the test provider authorize, then GET the callback. Resolves to where the
 * callback redirected (the `returnTo`).
 *
 * @example
 * ```ts
 * const provider = await startOpenIdProvider();
 * const agent = request.agent(app);
 * await signIn(agent, provider, { user: 'alice', claims: { role: 'admin' } });
 * await agent.get('/admin').expect(200);
 * ```
 */
export async function signIn(
  agent: OAuthTestAgent,
  provider: ScriptedProvider,
  options: SignInOptions = {},
): Promise<string> {
  const subject = provider.subject;
  const claims = provider.claims;
  if (options.user !== undefined) provider.subject = options.user;
  if (options.claims !== undefined)
    provider.claims = { ...claims, ...(options.claims as typeof claims) };
  try {
    const login = await agent.get(options.loginPath ?? '/login');
    const callback = await authorize(provider, location(login, 'the login route'));
    const done = await agent.get(`${callback.pathname}${callback.search}`);
    return location(done, 'the callback');
  } finally {
    provider.subject = subject;
    provider.claims = claims;
  }
}
