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
  fetchUserInfo,
  None,
  refreshTokenGrant,
} from 'openid-client';
import type { ClientAuth, Configuration, IDToken } from 'openid-client';
import { OAuthError } from '../errors.js';
import { isLoopbackHost } from '../option-readers.js';
import { checkLogoutClaims } from '../logout-token.js';
import type { LogoutClaims } from '../logout-token.js';
import type { ResolvedOptions } from '../options.js';
import { toOAuthError } from '../provider-errors.js';
import type { ProviderOperation } from '../provider-errors.js';
import type { ResolvedOAuth2Provider, ResolvedOidcProvider } from '../provider-options.js';
import type { OAuthAuthentication } from '../session.js';
import { requireRefreshToken, tokensFromResponse } from '../tokens.js';
import { userFromProfile } from '../user.js';
import { createIdTokenVerifier } from './id-token-signature.js';
import { createProviderFetch, createTimedFetch } from './provider-http.js';
import type { OAuthAuthorizationRequest, OAuthProviderClient } from './provider.js';

export function clientAuthentication(
  provider: ResolvedOidcProvider | ResolvedOAuth2Provider,
): ClientAuth {
  switch (provider.tokenEndpointAuthMethod) {
    case 'client_secret_post':
      return ClientSecretPost(provider.clientSecret);
    case 'client_secret_basic':
      return ClientSecretBasic(provider.clientSecret);
    case 'none':
      return None();
  }
}

/**
 * Every endpoint the metadata names must be https (or loopback): openid-client only checks the
 * ones it calls, and only when `allowInsecureRequests` is off, which a loopback issuer needs. An
 * http authorization or end-session endpoint would send the browser (with an ID token hint) in
 * clear. A refused document is not cached, so a corrected one is picked up on the next request.
 */
function checkMetadataEndpoints(config: Configuration, allowInsecureHttp: boolean): void {
  for (const [name, value] of Object.entries(config.serverMetadata())) {
    if (typeof value !== 'string' || !(name.endsWith('_endpoint') || name.endsWith('_uri'))) {
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OAuthError(`the provider metadata's "${name}" is not a URL`, {
        code: 'OAUTH_INVALID_RESPONSE',
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OAuthError(`the provider metadata's "${name}" is not an http(s) URL`, {
        code: 'OAUTH_INVALID_RESPONSE',
      });
    }
    if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
      throw new OAuthError(
        `the provider metadata's "${name}" points to ${url.origin} over plain http, which is refused off loopback`,
        { code: 'OAUTH_INVALID_RESPONSE' },
      );
    }
  }
}

export function attempt<T>(operation: ProviderOperation, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw toOAuthError(error, operation);
  });
}

/**
 * An OpenID Connect provider found by discovery, spoken to through openid-client with all of its
 * checks (state, nonce, PKCE, RFC 9207 `iss`) plus two of ours: the ID token signature is verified
 * against the JWKS, and its `iat` must be recent.
 */
export function createOidcProvider(
  options: ResolvedOptions,
  provider: ResolvedOidcProvider,
): OAuthProviderClient {
  const { name } = provider;
  const usesNonce = provider.scope.split(' ').includes('openid');
  let configuration: Promise<Configuration> | undefined;
  let verifier: ((jwt: string) => Promise<Record<string, unknown>>) | undefined;
  const timedFetch = createTimedFetch({
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
  });

  /** The JWKS-backed signature check, created once the metadata names the JWKS. */
  function getVerifier(config: Configuration): (jwt: string) => Promise<Record<string, unknown>> {
    if (verifier === undefined) {
      const jwksUri = config.serverMetadata().jwks_uri;
      if (jwksUri === undefined) {
        throw new OAuthError(
          'the provider metadata has no jwks_uri, so token signatures cannot be verified',
          { code: 'OAUTH_INVALID_RESPONSE' },
        );
      }
      verifier = createIdTokenVerifier(new URL(jwksUri), timedFetch, options.timeout);
    }
    return verifier;
  }

  /** Checks the ID token's signature (claims were checked by openid-client) unless turned off. */
  async function verifySignature(
    config: Configuration,
    idToken: string | undefined,
  ): Promise<void> {
    if (!provider.verifyIdTokenSignature || idToken === undefined) return;
    await getVerifier(config)(idToken);
  }

  // The discovery promise is shared by every request and dropped on failure, so a provider that
  // was down at start-up is tried again on the next request instead of failing forever.
  function getConfiguration(): Promise<Configuration> {
    configuration ??= attempt('discovery', () => {
      const execute: ((config: Configuration) => void)[] = [];
      if (provider.issuer.protocol === 'http:') execute.push(allowInsecureRequests);
      const discovered = discovery(
        provider.issuer,
        provider.clientId,
        {
          ...(provider.clientSecret === undefined ? {} : { client_secret: provider.clientSecret }),
          [clockTolerance]: options.clockTolerance,
        },
        clientAuthentication(provider),
        {
          execute,
          timeout: options.timeout / 1000,
          [customFetch]: createProviderFetch({
            allowInsecureHttp: provider.allowInsecureHttp,
            timeout: options.timeout,
            quirks: provider.quirks,
          }),
        },
      );
      return discovered.then((config) => {
        checkMetadataEndpoints(config, provider.allowInsecureHttp);
        return config;
      });
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

  // The ID token's sub names the user, whatever mapUser says: refresh and userinfo are checked against it.
  function oidcUser(identity: Record<string, unknown>, sub: string) {
    return { ...userFromProfile(name, identity, provider.mapUser), sub };
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
    codeFlow: true,

    async authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL> {
      const config = await getConfiguration();
      return buildAuthorizationUrl(config, {
        ...request.params,
        scope: provider.scope.split(' ').join(provider.quirks.scopeSeparator),
        redirect_uri: provider.redirectUri,
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
      await verifySignature(config, response.id_token);
      checkIssuedAt(claims);
      let identity: Record<string, unknown> = { ...claims };
      if (provider.fetchUserInfo && config.serverMetadata().userinfo_endpoint !== undefined) {
        const info = await userInfoClaims(config, response.access_token, claims.sub);
        identity = { ...claims, ...info, sub: claims.sub };
      }
      return {
        user: oidcUser(identity, claims.sub),
        tokens: tokensFromResponse(response, Date.now()),
      };
    },

    async refresh(authentication): Promise<OAuthAuthentication> {
      const refreshToken = requireRefreshToken(authentication.tokens);
      const config = await getConfiguration();
      const response = await attempt('refresh', () =>
        refreshTokenGrant(config, refreshToken),
      ).catch((error: unknown) => {
        // OpenID Connect Core 12.2: a user is iss + sub, so another issuer is another user.
        if (error instanceof OAuthError && /"iss"/.test(error.message)) {
          throw new OAuthError(
            'the refreshed ID token comes from another issuer; the session was ended',
            {
              code: 'OAUTH_SUBJECT_MISMATCH',
              cause: error,
            },
          );
        }
        throw error;
      });
      const claims = response.claims();
      await verifySignature(config, response.id_token);
      let user = authentication.user;
      if (claims !== undefined) {
        // OpenID Connect Core 12.2: a refreshed ID token must name the same user; anything else
        // means the session no longer belongs to who signed in.
        if (claims.sub !== authentication.user.sub) {
          throw new OAuthError('the refreshed ID token names another user; the session was ended', {
            code: 'OAUTH_SUBJECT_MISMATCH',
          });
        }
        user = oidcUser({ ...authentication.user.claims, ...claims }, claims.sub);
      }
      return { user, tokens: tokensFromResponse(response, Date.now(), authentication.tokens) };
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const config = await getConfiguration();
      return userInfoClaims(config, authentication.tokens.accessToken, authentication.user.sub);
    },

    async ready(): Promise<void> {
      await getConfiguration();
    },

    async verifyLogoutToken(logoutToken): Promise<LogoutClaims> {
      const config = await getConfiguration();
      let claims: Record<string, unknown>;
      try {
        // Always checked, whatever verifyIdTokenSignature says: this token arrives from anyone
        // who can reach the route, not over the client's own connection to the token endpoint.
        claims = await getVerifier(config)(logoutToken);
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'OAUTH_ID_TOKEN_INVALID') {
          throw new OAuthError(error.message.replace('the ID token', 'the logout token'), {
            code: 'OAUTH_LOGOUT_TOKEN_INVALID',
            cause: error,
          });
        }
        throw error;
      }
      return checkLogoutClaims(claims, {
        issuer: config.serverMetadata().issuer,
        clientId: provider.clientId,
        clockTolerance: options.clockTolerance,
      });
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
        client_id: provider.clientId,
        ...(idToken === undefined ? {} : { id_token_hint: idToken }),
      });
    },
  };
}
