import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  clockTolerance,
  Configuration,
  customFetch,
  fetchProtectedResource,
  refreshTokenGrant,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ResolvedOAuth2Provider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { tokensFromResponse } from '../session/tokens.js';
import { checkProfileSubject, userFromProfile } from '../session/user.js';
import { checkResponseIssuer } from './authorization-response.js';
import { clientAuthentication, reportClientRejection } from './client-auth.js';
import type { OAuthProviderClient } from './client.js';
import { attempt } from './error-mapping.js';
import { issuedTokens } from './issued-tokens.js';
import { createProviderFetch, createTimedFetch, providerTransport } from './provider-fetch.js';
import { readProviderJson } from './provider-json.js';
import { revokeWithConfiguration } from './revocation.js';

/**
 * A plain OAuth 2.0 provider (Alpaca, the generic PHP OAuth 2.0 API): explicit endpoints, no ID
 * token, the user known through a profile call made with the access token. openid-client still
 * does the protocol, from metadata built out of the configured endpoints.
 */
export function createOAuth2Provider(
  options: ResolvedOptions,
  provider: ResolvedOAuth2Provider,
): OAuthProviderClient {
  const http = {
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
    tokenEndpoint: provider.tokenEndpoint,
    quirks: provider.quirks,
    ...providerTransport(options, provider),
  };
  const issuer = provider.issuer.href.replace(/\/$/, '');
  const config = new Configuration(
    {
      issuer,
      authorization_endpoint: provider.authorizationEndpoint.href,
      token_endpoint: provider.tokenEndpoint.href,
      ...(provider.revocationEndpoint === undefined
        ? {}
        : { revocation_endpoint: provider.revocationEndpoint.href }),
    },
    provider.clientId,
    {
      ...(provider.clientSecret === undefined ? {} : { client_secret: provider.clientSecret }),
      [clockTolerance]: options.clockTolerance,
    },
    clientAuthentication(provider),
  );
  const endpoints = [
    provider.authorizationEndpoint,
    provider.tokenEndpoint,
    provider.profileEndpoint,
    provider.revocationEndpoint,
  ];
  if (endpoints.some((url) => url?.protocol === 'http:')) allowInsecureRequests(config);
  config.timeout = options.timeout / 1000;
  config[customFetch] = createProviderFetch(http);
  // Known up front: no discovery to wait for, so requests are told apart from the first one.
  http.observer.learn(
    { ...config.serverMetadata(), userinfo_endpoint: provider.profileEndpoint?.href },
    false,
  );
  const timedFetch = createTimedFetch(http);
  const clientRejected = reportClientRejection(options.logger, provider);
  const json = (response: Response): Promise<Record<string, unknown>> =>
    readProviderJson(response, 'userinfo', provider.quirks.errorCodes);

  async function fetchProfile(accessToken: string): Promise<Record<string, unknown>> {
    return attempt('userinfo', async () => {
      if (provider.fetchProfile !== undefined) {
        return provider.fetchProfile({ accessToken, fetch: timedFetch, json });
      }
      // resolveProviderOptions() requires profileEndpoint when there is no fetchProfile.
      const response = await timedFetch(provider.profileEndpoint as URL, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      });
      return json(response);
    });
  }

  return {
    name: provider.name,
    settings: provider,
    usesNonce: false,
    codeFlow: true,
    observer: http.observer,

    async authorizationUrl(request): Promise<URL> {
      return buildAuthorizationUrl(config, {
        ...request.params,
        ...(provider.scope === ''
          ? {}
          : { scope: provider.scope.split(' ').join(provider.quirks.scopeSeparator) }),
        redirect_uri: provider.redirectUri,
        response_type: 'code',
        state: request.state,
        ...(provider.pkce
          ? { code_challenge: request.codeChallenge, code_challenge_method: 'S256' }
          : {}),
      });
    },

    async completeLogin(callbackUrl, state, transaction): Promise<OAuthAuthentication> {
      checkResponseIssuer(callbackUrl.searchParams, { issuer });
      const requestedAt = Date.now();
      const response = await attempt('token', () =>
        authorizationCodeGrant(config, callbackUrl, {
          expectedState: state,
          idTokenExpected: false,
          ...(provider.pkce ? { pkceCodeVerifier: transaction.codeVerifier } : {}),
        }),
      ).catch(clientRejected);
      const profile = await fetchProfile(response.access_token);
      return {
        user: userFromProfile(provider.name, profile, provider.mapUser),
        tokens: tokensFromResponse(issuedTokens(response), requestedAt),
      };
    },

    canRefresh: (hasRefreshToken) => hasRefreshToken,

    async refresh(authentication, parameters): Promise<OAuthAuthentication> {
      const refreshToken = authentication.tokens.refreshToken;
      if (refreshToken === undefined) {
        throw new OAuthError('the session has no refresh token; log in again', {
          code: 'OAUTH_LOGIN_REQUIRED',
        });
      }
      const requestedAt = Date.now();
      const response = await attempt('refresh', () =>
        refreshTokenGrant(config, refreshToken, parameters),
      ).catch(clientRejected);
      return {
        user: authentication.user,
        tokens: tokensFromResponse(issuedTokens(response), requestedAt, authentication.tokens),
      };
    },

    async fetchResource({ accessToken }, url, init): Promise<Response> {
      return fetchProtectedResource(
        config,
        accessToken,
        url,
        init.method ?? 'GET',
        (init.body ?? null) as Parameters<typeof fetchProtectedResource>[4],
        new Headers(init.headers),
      );
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const profile = await fetchProfile(authentication.tokens.accessToken);
      checkProfileSubject(provider.name, profile, provider.mapUser, authentication.user.sub);
      return profile;
    },

    revoke: (tokens) => revokeWithConfiguration(config, tokens),

    async endSessionUrl(): Promise<URL | undefined> {
      return undefined;
    },
  };
}
