import type { OAuthAdapterContext, OAuthAdapterTokens } from '../adapter.js';
import { OAuthError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import type { ProviderOperation } from '../provider-errors.js';
import type { ResolvedCustomProvider } from '../provider-options.js';
import type { OAuthAuthentication } from '../session.js';
import type { OAuthTokens } from '../tokens.js';
import { checkProfileSubject, userFromProfile } from '../user.js';
import { attempt } from './oidc.js';
import { createTimedFetch, readProviderJson } from './provider-http.js';
import type { OAuthProviderClient } from './provider.js';

function checkTokens(tokens: unknown): OAuthAdapterTokens {
  const value = tokens as Partial<OAuthAdapterTokens> | undefined;
  if (typeof value?.accessToken !== 'string' || value.accessToken === '') {
    throw new OAuthError('the provider returned no access token', {
      code: 'OAUTH_INVALID_RESPONSE',
    });
  }
  return value as OAuthAdapterTokens;
}

function toSession(tokens: OAuthAdapterTokens, now: number, previous?: OAuthTokens): OAuthTokens {
  const session: { -readonly [K in keyof OAuthTokens]: OAuthTokens[K] } = {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType ?? 'Bearer',
  };
  if (typeof tokens.expiresIn === 'number') session.expiresAt = now + tokens.expiresIn * 1000;
  const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
  if (refreshToken !== undefined) session.refreshToken = refreshToken;
  if (tokens.scope !== undefined) session.scope = tokens.scope;
  return session;
}

function fromSession(tokens: OAuthTokens): OAuthAdapterTokens {
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    ...(tokens.expiresAt === undefined
      ? {}
      : { expiresIn: Math.max(0, Math.floor((tokens.expiresAt - Date.now()) / 1000)) }),
    ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
    ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
  };
}

/**
 * A provider spoken to through an adapter. The adapter is called only at the points where the
 * protocol is broken; everything that protects the flow stays with the middleware: the callback
 * reaches the adapter only after its state matched a pending login, and an `error` in it is
 * handled here, the same for every provider.
 */
export function createCustomProvider(
  options: ResolvedOptions,
  provider: ResolvedCustomProvider,
): OAuthProviderClient {
  const { adapter } = provider;
  const timedFetch = createTimedFetch({
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
  });
  // One context per kind of call, so an HTTP failure is reported as what the adapter was doing.
  const contextFor = (operation: ProviderOperation): OAuthAdapterContext => ({
    fetch: timedFetch,
    json: (response) => readProviderJson(response, operation),
  });

  async function profileOf(tokens: OAuthAdapterTokens): Promise<Record<string, unknown>> {
    const profile = await attempt('userinfo', () =>
      adapter.fetchProfile({ tokens }, contextFor('userinfo')),
    );
    if (typeof profile !== 'object' || profile === null) {
      throw new OAuthError('the adapter returned no profile', { code: 'OAUTH_INVALID_RESPONSE' });
    }
    return profile;
  }

  return {
    name: provider.name,
    usesNonce: false,
    codeFlow: false,

    async authorizationUrl(request): Promise<URL> {
      // The configured scope reaches the adapter with the other authorization parameters; the
      // application cannot set "scope" through authorizationParams, so nothing is overridden.
      const params =
        provider.scope === '' ? request.params : { ...request.params, scope: provider.scope };
      const url = await attempt('authorize', () =>
        adapter.authorizationUrl(
          { state: request.state, redirectUri: provider.redirectUri, params },
          contextFor('authorize'),
        ),
      );
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (cause) {
        throw new OAuthError('the provider gave no valid authorization URL', {
          code: 'OAUTH_INVALID_RESPONSE',
          cause,
        });
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw new OAuthError('the provider gave an authorization URL that is not http(s)', {
          code: 'OAUTH_INVALID_RESPONSE',
        });
      }
      return parsed;
    },

    async completeLogin(callbackUrl): Promise<OAuthAuthentication> {
      const params = callbackUrl.searchParams;
      const error = params.get('error');
      if (error !== null) {
        const errorDescription = params.get('error_description') ?? undefined;
        throw new OAuthError(
          error === 'access_denied'
            ? 'the authorization was denied at the provider (access_denied)'
            : `the provider ended the authorization with "${error}"`,
          {
            code: error === 'access_denied' ? 'OAUTH_ACCESS_DENIED' : 'OAUTH_AUTHORIZATION_ERROR',
            error,
            ...(errorDescription === undefined ? {} : { errorDescription }),
          },
        );
      }
      const tokens = checkTokens(
        await attempt('token', () =>
          adapter.handleCallback(
            { params: new URLSearchParams(params), redirectUri: provider.redirectUri },
            contextFor('token'),
          ),
        ),
      );
      const profile = await profileOf(tokens);
      return {
        user: userFromProfile(provider.name, profile, provider.mapUser),
        tokens: toSession(tokens, Date.now()),
      };
    },

    async refresh(authentication): Promise<OAuthAuthentication> {
      if (adapter.refresh === undefined) {
        throw new OAuthError(
          'the access token expired and the provider cannot refresh it; log in again',
          {
            code: 'OAUTH_LOGIN_REQUIRED',
          },
        );
      }
      const refresh = adapter.refresh.bind(adapter);
      const tokens = checkTokens(
        await attempt('refresh', () =>
          refresh({ tokens: fromSession(authentication.tokens) }, contextFor('refresh')),
        ),
      );
      return {
        user: authentication.user,
        tokens: toSession(tokens, Date.now(), authentication.tokens),
      };
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const profile = await profileOf(fromSession(authentication.tokens));
      checkProfileSubject(provider.name, profile, provider.mapUser, authentication.user.sub);
      return profile;
    },

    async endSessionUrl(): Promise<URL | undefined> {
      return undefined;
    },
  };
}
