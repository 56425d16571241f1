import { OAuthError } from '../errors.js';
import type { ResolvedCustomProvider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { tokensFromResponse } from '../session/tokens.js';
import type { OAuthTokens } from '../session/tokens.js';
import { checkProfileSubject, userFromProfile } from '../session/user.js';
import type { OAuthAdapterContext, OAuthAdapterTokens } from './adapter.js';
import type { OAuthProviderClient } from './client.js';
import { attempt } from './error-mapping.js';
import type { ProviderOperation } from './provider-operation.js';
import { createTimedFetch, providerTransport } from './provider-fetch.js';
import type { OAuthEndpointKind } from '../observability/events.js';
import { readProviderJson } from './provider-json.js';

function checkTokens(tokens: unknown): OAuthAdapterTokens {
  const value = tokens as Partial<OAuthAdapterTokens> | undefined;
  if (typeof value?.accessToken !== 'string' || value.accessToken === '') {
    throw new OAuthError('the provider returned no access token', {
      code: 'OAUTH_INVALID_RESPONSE',
    });
  }
  return value as OAuthAdapterTokens;
}

/** The session's tokens as an adapter sees them (an adapter never sees the ID token). */
function adapterTokens(tokens: OAuthTokens): OAuthAdapterTokens {
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

/** The error parameters of a callback, which every provider reports the same way. */
function authorizationError(params: URLSearchParams): OAuthError | undefined {
  const error = params.get('error');
  if (error === null) return undefined;
  const errorDescription = params.get('error_description') ?? undefined;
  const denied = error === 'access_denied';
  return new OAuthError(
    denied
      ? 'the authorization was denied at the provider (access_denied)'
      : `the provider ended the authorization with "${error}"`,
    {
      code: denied ? 'OAUTH_ACCESS_DENIED' : 'OAUTH_AUTHORIZATION_ERROR',
      error,
      ...(errorDescription === undefined ? {} : { errorDescription }),
    },
  );
}

/** What an adapter's requests are for, as events name it: the call it was lent `fetch` for. */
function endpointOf(operation: ProviderOperation): OAuthEndpointKind {
  switch (operation) {
    case 'authorize':
    case 'userinfo':
    case 'revocation':
      return operation;
    case 'token':
    case 'refresh':
      return 'token';
    default:
      return 'other';
  }
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
  const http = {
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
    ...providerTransport(options, provider),
  };
  const apiFetch = createTimedFetch({ ...http, kind: 'other' });
  // One context per kind of call, so an HTTP failure is reported as what the adapter was doing.
  const contextFor = (operation: ProviderOperation): OAuthAdapterContext => ({
    fetch: createTimedFetch({ ...http, kind: endpointOf(operation) }),
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
    settings: provider,
    usesNonce: false,
    codeFlow: false,
    observer: http.observer,

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
      const refusal = authorizationError(params);
      if (refusal !== undefined) throw refusal;
      const requestedAt = Date.now();
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
        tokens: tokensFromResponse(tokens, requestedAt),
      };
    },

    canRefresh: () => adapter.refresh !== undefined,

    async refresh(authentication, parameters): Promise<OAuthAuthentication> {
      if (parameters !== undefined && Object.keys(parameters).length > 0) {
        throw new OAuthError(
          'tokens per resource need a refresh grant with "resource", which adapters do not offer',
          { code: 'OAUTH_PROVIDER_ERROR' },
        );
      }
      if (adapter.refresh === undefined) {
        throw new OAuthError(
          'the access token expired and the provider cannot refresh it; log in again',
          { code: 'OAUTH_LOGIN_REQUIRED' },
        );
      }
      const refresh = adapter.refresh.bind(adapter);
      const requestedAt = Date.now();
      const tokens = checkTokens(
        await attempt('refresh', () =>
          refresh({ tokens: adapterTokens(authentication.tokens) }, contextFor('refresh')),
        ),
      );
      return {
        user: authentication.user,
        tokens: tokensFromResponse(tokens, requestedAt, authentication.tokens),
      };
    },

    async fetchResource({ accessToken }, url, init): Promise<Response> {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${accessToken}`);
      return apiFetch(url, { ...init, headers });
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const profile = await profileOf(adapterTokens(authentication.tokens));
      checkProfileSubject(provider.name, profile, provider.mapUser, authentication.user.sub);
      return profile;
    },

    async revoke(tokens): Promise<boolean> {
      if (adapter.revoke === undefined) return false;
      const revoke = adapter.revoke.bind(adapter);
      await attempt('revocation', () =>
        revoke({ tokens: adapterTokens(tokens) }, contextFor('revocation')),
      );
      return true;
    },

    async endSessionUrl(): Promise<URL | undefined> {
      return undefined;
    },
  };
}
