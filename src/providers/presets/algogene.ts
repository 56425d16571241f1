import type { OAuthAdapter, OAuthAdapterContext } from '../adapter.js';
import { OAuthError } from '../../errors.js';
import type { OAuthCustomProvider } from '../../options/provider-types.js';

/** Options of {@link algogene}. */
export interface AlgogeneOptions {
  /** Your ALGOGENE user id (Settings → Profile). */
  userId: string;
  /** Your ALGOGENE API key (Settings → Profile → Generate). */
  apiKey: string;
  /** Default `https://algogene.com`. */
  baseURL?: string;
  /** The redirect's query parameter that carries the access token. Default `token`. */
  tokenParam?: string;
  /** Seconds an access token is taken to live; ALGOGENE does not say. Default `3600`. */
  tokenLifetime?: number;
}

function message(body: unknown): string | undefined {
  const res = (body as { res?: unknown } | undefined)?.res;
  return typeof res === 'string' ? res : undefined;
}

/**
 * ALGOGENE answers errors as `{ status: false, res: "..." }`, sometimes with HTTP 200, so the
 * body decides, not only the status.
 */
async function readAlgogene(
  response: Response,
  context: OAuthAdapterContext,
  what: string,
): Promise<Record<string, unknown>> {
  if (response.status === 429 || response.status >= 500) return context.json(response);
  const body: unknown = await response.json().catch(() => undefined);
  const isObject = typeof body === 'object' && body !== null;
  const saidFalse = isObject && (body as { status?: unknown }).status === false;
  if (response.ok && isObject && !saidFalse) return body as Record<string, unknown>;
  const description = message(body);
  // ALGOGENE: a refused profile request means the token is no longer accepted: 401, or a refusal
  // sent with HTTP 200, where the status cannot tell a bad token from bad partner credentials.
  // Those worked when the login started, so the token is the likely cause: the user logs in
  // again, and a real credentials problem then shows as a clear 502 at the login.
  const tokenRefused =
    what === 'profile request' && (response.status === 401 || (response.ok && saidFalse));
  throw new OAuthError(`ALGOGENE refused the ${what}${description ? `: ${description}` : ''}`, {
    code: tokenRefused ? 'OAUTH_LOGIN_REQUIRED' : 'OAUTH_PROVIDER_ERROR',
    ...(description === undefined ? {} : { errorDescription: description }),
  });
}

/**
 * ALGOGENE: the authorization URL comes from a server-side API call, the access token comes back
 * in the redirect (no code exchange), and the profile wants `user`, `api_key` and `token` in the
 * query. The middleware still generates and checks `state` and owns the session.
 *
 * @example
 * ```ts
 * oauthMiddleware({ baseURL, providers: { algogene: algogene({ userId, apiKey }) } });
 * ```
 */
export function algogene(options: AlgogeneOptions): OAuthCustomProvider {
  const base = (options.baseURL ?? 'https://algogene.com').replace(/\/$/, '');
  const tokenParam = options.tokenParam ?? 'token';
  const partner = { user: options.userId, api_key: options.apiKey };
  const adapter: OAuthAdapter = {
    async authorizationUrl({ state, redirectUri }, context) {
      const url = new URL(`${base}/rest/v1/oauth/authorization`);
      for (const [name, value] of Object.entries({
        ...partner,
        state,
        redirect_url: redirectUri,
      })) {
        url.searchParams.set(name, value);
      }
      const body = await readAlgogene(await context.fetch(url), context, 'authorization request');
      if (typeof body.url !== 'string') {
        throw new OAuthError('ALGOGENE answered the authorization request without a "url"', {
          code: 'OAUTH_INVALID_RESPONSE',
        });
      }
      return body.url;
    },

    async handleCallback({ params }) {
      // ALGOGENE: the access token arrives in the redirect's query, not through a code exchange.
      const accessToken = params.get(tokenParam);
      if (accessToken === null || accessToken === '') {
        throw new OAuthError(`ALGOGENE's redirect carries no "${tokenParam}"`, {
          code: 'OAUTH_INVALID_CALLBACK',
        });
      }
      return { accessToken, tokenType: 'Bearer', expiresIn: options.tokenLifetime ?? 3600 };
    },

    async fetchProfile({ tokens }, context) {
      const url = new URL(`${base}/rest/v1/oauth/userinfo`);
      for (const [name, value] of Object.entries({ ...partner, token: tokens.accessToken })) {
        url.searchParams.set(name, value);
      }
      return readAlgogene(await context.fetch(url), context, 'profile request');
    },
  };
  return {
    type: 'custom',
    label: 'ALGOGENE',
    adapter,
    mapUser: (profile) => ({
      sub: typeof profile.cid === 'string' || typeof profile.cid === 'number' ? profile.cid : '',
      name: typeof profile.name === 'string' ? profile.name : undefined,
      email: typeof profile.email === 'string' ? profile.email : undefined,
      picture: typeof profile.picture === 'string' ? profile.picture : undefined,
    }),
  };
}
