import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildEndSessionUrl,
  ClientSecretBasic,
  ClientSecretPost,
  clockTolerance,
  customFetch,
  discovery,
  enableNonRepudiationChecks,
  fetchUserInfo,
  None,
  refreshTokenGrant,
} from 'openid-client';
import type { ClientAuth, Configuration, CustomFetch, IDToken } from 'openid-client';
import { OAuthError } from '../errors.js';
import { isLoopbackHost } from '../options.js';
import type { ResolvedOptions } from '../options.js';
import { toOAuthError } from '../provider-errors.js';
import type { ProviderOperation } from '../provider-errors.js';
import type { OAuthAuthentication } from '../session.js';
import { tokensFromResponse } from '../tokens.js';
import { userFromClaims } from '../user.js';
import type { OAuthAuthorizationRequest, OAuthProviderClient } from './provider.js';

function clientAuthentication(options: ResolvedOptions): ClientAuth {
  switch (options.tokenEndpointAuthMethod) {
    case 'client_secret_post':
      return ClientSecretPost(options.clientSecret);
    case 'client_secret_basic':
      return ClientSecretBasic(options.clientSecret);
    case 'none':
      return None();
  }
}

/**
 * openid-client's `allowInsecureRequests` lifts the https-only rule for every endpoint at once,
 * which a loopback issuer needs; this fetch puts it back for any endpoint off loopback, so
 * metadata cannot send the client (and its secret) to a plain-http host elsewhere.
 */
function guardedFetch(options: ResolvedOptions): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    if (
      target.protocol === 'http:' &&
      !isLoopbackHost(target.hostname) &&
      !options.allowInsecureHttp
    ) {
      throw new OAuthError(
        `the provider metadata points to ${target.origin} over plain http, which is refused off loopback`,
        { code: 'OAUTH_INVALID_RESPONSE' },
      );
    }
    return fetch(url, init);
  };
}

function attempt<T>(operation: ProviderOperation, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw toOAuthError(error, operation);
  });
}

/**
 * An OpenID Connect provider found by discovery, spoken to through openid-client with all of its
 * checks (state, nonce, PKCE, RFC 9207 `iss`) plus two of ours: the ID token signature is verified
 * against the JWKS, and its `iat` must be recent.
 */
export function createOidcProvider(options: ResolvedOptions, name: string): OAuthProviderClient {
  const usesNonce = options.scope.split(' ').includes('openid');
  let configuration: Promise<Configuration> | undefined;

  // The discovery promise is shared by every request and dropped on failure, so a provider that
  // was down at start-up is tried again on the next request instead of failing forever.
  function getConfiguration(): Promise<Configuration> {
    configuration ??= attempt('discovery', () => {
      const execute: ((config: Configuration) => void)[] = [];
      if (options.issuer.protocol === 'http:') execute.push(allowInsecureRequests);
      if (options.verifyIdTokenSignature) execute.push(enableNonRepudiationChecks);
      return discovery(
        options.issuer,
        options.clientId,
        {
          ...(options.clientSecret === undefined ? {} : { client_secret: options.clientSecret }),
          [clockTolerance]: options.clockTolerance,
        },
        clientAuthentication(options),
        { execute, timeout: options.timeout / 1000, [customFetch]: guardedFetch(options) },
      );
    });
    configuration.catch(() => {
      configuration = undefined;
    });
    return configuration;
  }

  function checkIssuedAt(claims: IDToken): void {
    const now = Date.now() / 1000;
    if (claims.iat > now + options.clockTolerance) {
      throw new OAuthError('the ID token failed validation: "iat" lies in the future', {
        code: 'OAUTH_ID_TOKEN_INVALID',
      });
    }
    if (claims.iat < now - options.idTokenMaxAge - options.clockTolerance) {
      throw new OAuthError(
        `the ID token failed validation: "iat" is more than ${options.idTokenMaxAge} seconds old`,
        { code: 'OAUTH_ID_TOKEN_INVALID' },
      );
    }
  }

  async function userInfoClaims(
    config: Configuration,
    accessToken: string,
    sub: string,
  ): Promise<Record<string, unknown>> {
    const info = await attempt('userinfo', () => fetchUserInfo(config, accessToken, sub));
    return { ...info };
  }

  return {
    name,
    usesNonce,

    async authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL> {
      const config = await getConfiguration();
      return buildAuthorizationUrl(config, {
        ...request.params,
        scope: options.scope,
        redirect_uri: options.redirectUri,
        response_type: 'code',
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      });
    },

    async completeLogin(callbackUrl, state, transaction): Promise<OAuthAuthentication> {
      const config = await getConfiguration();
      const response = await attempt('token', () =>
        authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: state,
          ...(transaction.nonce === undefined
            ? { idTokenExpected: usesNonce }
            : { expectedNonce: transaction.nonce }),
        }),
      );
      const claims = response.claims();
      if (claims === undefined) {
        throw new OAuthError('the provider returned no ID token although "openid" was requested', {
          code: 'OAUTH_ID_TOKEN_INVALID',
        });
      }
      checkIssuedAt(claims);
      let identity: Record<string, unknown> = { ...claims };
      if (options.fetchUserInfo && config.serverMetadata().userinfo_endpoint !== undefined) {
        const info = await userInfoClaims(config, response.access_token, claims.sub);
        identity = { ...claims, ...info, sub: claims.sub };
      }
      return {
        user: userFromClaims(name, claims.sub, identity),
        tokens: tokensFromResponse(response, Date.now()),
      };
    },

    async refresh(authentication): Promise<OAuthAuthentication> {
      const refreshToken = authentication.tokens.refreshToken;
      if (refreshToken === undefined) {
        throw new OAuthError(
          'the access token expired and there is no refresh token; log in again',
          {
            code: 'OAUTH_LOGIN_REQUIRED',
          },
        );
      }
      const config = await getConfiguration();
      const response = await attempt('refresh', () => refreshTokenGrant(config, refreshToken));
      const claims = response.claims();
      let user = authentication.user;
      if (claims !== undefined) {
        // OpenID Connect Core 12.2: a refreshed ID token must name the same user; anything else
        // means the session no longer belongs to who signed in.
        if (claims.sub !== authentication.user.sub) {
          throw new OAuthError('the refreshed ID token names another user; the session was ended', {
            code: 'OAUTH_SUBJECT_MISMATCH',
          });
        }
        user = userFromClaims(name, claims.sub, { ...authentication.user.claims, ...claims });
      }
      return { user, tokens: tokensFromResponse(response, Date.now(), authentication.tokens) };
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const config = await getConfiguration();
      return userInfoClaims(config, authentication.tokens.accessToken, authentication.user.sub);
    },

    async endSessionUrl(authentication, postLogoutRedirectUri): Promise<URL | undefined> {
      let config: Configuration;
      try {
        config = await getConfiguration();
      } catch {
        // The provider is down: the local session is gone already, which is what matters most.
        return undefined;
      }
      if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
      const idToken = authentication?.tokens.idToken;
      return buildEndSessionUrl(config, {
        post_logout_redirect_uri: postLogoutRedirectUri,
        client_id: options.clientId,
        ...(idToken === undefined ? {} : { id_token_hint: idToken }),
      });
    },
  };
}
