import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  clockTolerance,
  Configuration,
  customFetch,
  refreshTokenGrant,
} from 'openid-client';
import type { ResolvedOptions } from '../options.js';
import type { ResolvedOAuth2Provider } from '../provider-options.js';
import type { OAuthAuthentication } from '../session.js';
import { requireRefreshToken, tokensFromResponse } from '../tokens.js';
import { checkProfileSubject, userFromProfile } from '../user.js';
import { attempt, clientAuthentication } from './oidc.js';
import { createProviderFetch, createTimedFetch, readProviderJson } from './provider-http.js';
import type { OAuthProviderClient } from './provider.js';

/**
 * A plain OAuth 2.0 provider (Alpaca, the generic PHP API): explicit endpoints, no ID token, the
 * user known through a profile call made with the access token. openid-client still does the
 * protocol, from metadata built out of the configured endpoints.
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
  };
  const config = new Configuration(
    {
      issuer: provider.issuer.href.replace(/\/$/, ''),
      authorization_endpoint: provider.authorizationEndpoint.href,
      token_endpoint: provider.tokenEndpoint.href,
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
  ];
  if (endpoints.some((url) => url?.protocol === 'http:')) allowInsecureRequests(config);
  config.timeout = options.timeout / 1000;
  config[customFetch] = createProviderFetch(http);
  const timedFetch = createTimedFetch(http);
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
    usesNonce: false,
    codeFlow: true,

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
      const response = await attempt('token', () =>
        authorizationCodeGrant(config, callbackUrl, {
          expectedState: state,
          idTokenExpected: false,
          ...(provider.pkce ? { pkceCodeVerifier: transaction.codeVerifier } : {}),
        }),
      );
      const profile = await fetchProfile(response.access_token);
      return {
        user: userFromProfile(provider.name, profile, provider.mapUser),
        tokens: tokensFromResponse(response, Date.now()),
      };
    },

    async refresh(authentication): Promise<OAuthAuthentication> {
      const refreshToken = requireRefreshToken(authentication.tokens);
      const response = await attempt('refresh', () => refreshTokenGrant(config, refreshToken));
      return {
        user: authentication.user,
        tokens: tokensFromResponse(response, Date.now(), authentication.tokens),
      };
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const profile = await fetchProfile(authentication.tokens.accessToken);
      checkProfileSubject(provider.name, profile, provider.mapUser, authentication.user.sub);
      return profile;
    },

    async endSessionUrl(): Promise<URL | undefined> {
      return undefined;
    },
  };
}
