import {
  authorizationCodeGrant,
  buildEndSessionUrl,
  fetchProtectedResource,
  fetchUserInfo,
  refreshTokenGrant,
} from 'openid-client';
import type { Configuration, DPoPOptions, TokenEndpointResponse } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ResolvedOidcProvider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { tokensFromResponse } from '../session/tokens.js';
import type { OAuthDPoPKey } from '../session/tokens.js';
import { userFromProfile } from '../session/user.js';
import { checkResponseIssuer } from './authorization-response.js';
import { reportClientRejection } from './client-auth.js';
import { checkDpopBinding, createDpopKey, dpopOptions } from './dpop.js';
import type { OAuthProviderClient, OAuthResourceServer } from './client.js';
import { attempt } from './error-mapping.js';
import {
  checkIssuedAt,
  createVerifierGetter,
  refuseIdToken,
  refuseLogoutToken,
  refuseMissingIdToken,
} from './id-token.js';
import { issuedTokens } from './issued-tokens.js';
import type { IssuerCache, RemoteKeySet } from './issuer-cache.js';
import { checkLogoutClaims } from './logout-token.js';
import { oidcAuthorizationUrl, responseModeOf } from './oidc-authorization-url.js';
import { createConfigurationGetter, sharedKeySet } from './oidc-configuration.js';
import { createTimedFetch, providerTransport } from './provider-fetch.js';
import { revokeWithConfiguration } from './revocation.js';
import { serverMetadataOf } from './server-metadata.js';

/**
 * An OpenID Connect provider found by discovery, spoken to through openid-client with all of its
 * checks (state, nonce, PKCE) plus three of ours: RFC 9207 `iss` before anything else, the ID
 * token signature verified against the JWKS, and a recent `iat`.
 */
export function createOidcProvider(
  options: ResolvedOptions,
  provider: ResolvedOidcProvider,
  issuers: IssuerCache,
): OAuthProviderClient {
  const { name } = provider;
  const usesNonce = provider.scope.split(' ').includes('openid');
  const resourceServers = new WeakMap<Configuration, OAuthResourceServer>();
  const http = {
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
    ...providerTransport(options, provider),
  };
  const timedFetch = createTimedFetch(http);
  const clientRejected = reportClientRejection(options.logger, provider);

  const source = { options, provider, issuers, http };
  const getConfiguration = createConfigurationGetter(source);
  // One key set for sign-in and requireBearer(), kept once made.
  let keySet: RemoteKeySet | undefined;
  const keySetOf = (jwksUri: URL) => (keySet ??= sharedKeySet(source, jwksUri, timedFetch));
  const getVerifier = createVerifierGetter(keySetOf, provider.signingAlgorithms);

  /** Checks the ID token's signature (claims were checked by openid-client) unless turned off. */
  async function verifySignature(config: Configuration, idToken: string | undefined) {
    if (!provider.verifyIdTokenSignature || idToken === undefined) return;
    await getVerifier(config)(idToken, refuseIdToken);
  }

  // The ID token's sub names the user, whatever mapUser says: refresh and userinfo are checked against it.
  function oidcUser(identity: Record<string, unknown>, sub: string) {
    return { ...userFromProfile(name, identity, provider.mapUser), sub };
  }

  async function userInfoClaims(
    config: Configuration,
    accessToken: string,
    sub: string,
    dpop: DPoPOptions,
  ) {
    const info = await attempt('userinfo', () => fetchUserInfo(config, accessToken, sub, dpop));
    return { ...info } as Record<string, unknown>;
  }

  /** Tokens that are not kept are revoked at once, where the provider can. */
  async function discard(config: Configuration, response: TokenEndpointResponse, why: string) {
    if (!options.revokeOnLogout) return;
    await revokeWithConfiguration(config, {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
    }).catch((error: unknown) => {
      options.logger.error(`could not revoke the tokens of ${why}`, error);
    });
  }

  /** RFC 9449 §5: the tokens a DPoP request returns must be bound to its key. */
  async function checkBinding(
    config: Configuration,
    response: TokenEndpointResponse,
    key: OAuthDPoPKey | undefined,
  ): Promise<void> {
    if (key === undefined) return;
    await checkDpopBinding(response, key).catch(async (error: unknown) => {
      await discard(config, response, 'a token response not bound to the DPoP key');
      throw error;
    });
  }

  return {
    name,
    settings: provider,
    usesNonce,
    codeFlow: true,
    observer: http.observer,

    async responseMode() {
      return responseModeOf(provider.responseMode, serverMetadataOf(await getConfiguration()));
    },

    async authorizationUrl(request): Promise<URL> {
      return oidcAuthorizationUrl(await getConfiguration(), provider, request, clientRejected);
    },

    async completeLogin(callbackUrl, state, transaction): Promise<OAuthAuthentication> {
      const config = await getConfiguration();
      checkResponseIssuer(
        callbackUrl.searchParams,
        serverMetadataOf(config),
        provider.requireIssuerParameter,
      );
      // RFC 9449 §5: the sign-in's own key, made for this exchange and kept with its tokens.
      const dpopKey = provider.dpop ? await createDpopKey(serverMetadataOf(config)) : undefined;
      const dpop = await dpopOptions(config, { tokenType: 'bearer', dpopKey });
      const requestedAt = Date.now();
      const response = await attempt('token', () =>
        authorizationCodeGrant(
          config,
          callbackUrl,
          {
            pkceCodeVerifier: transaction.codeVerifier,
            expectedState: state,
            // OpenID Connect Core 3.1.2.1: with max_age, auth_time is required and checked.
            ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
            ...(transaction.nonce === undefined
              ? { idTokenExpected: usesNonce }
              : { expectedNonce: transaction.nonce }),
          },
          undefined,
          dpop,
        ),
      )
        .catch((error: unknown) =>
          usesNonce ? refuseMissingIdToken(error) : Promise.reject(error),
        )
        .catch(clientRejected);
      await checkBinding(config, response, dpopKey);
      const claims = response.claims();
      if (claims === undefined) {
        throw refuseIdToken('the provider returned none although "openid" was requested');
      }
      await verifySignature(config, response.id_token);
      checkIssuedAt(claims, options);
      let identity: Record<string, unknown> = { ...claims };
      if (provider.fetchUserInfo && serverMetadataOf(config).userinfo_endpoint !== undefined) {
        const info = await userInfoClaims(config, response.access_token, claims.sub, dpop);
        identity = { ...claims, ...info, sub: claims.sub };
      }
      const tokens = tokensFromResponse(issuedTokens(response), requestedAt);
      return {
        user: oidcUser(identity, claims.sub),
        tokens: dpopKey === undefined ? tokens : { ...tokens, dpopKey },
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
      const config = await getConfiguration();
      // RFC 9449 §5: a refresh is proven with the key the tokens are bound to, and must keep it.
      const dpop = await dpopOptions(config, authentication.tokens);
      const requestedAt = Date.now();
      const response = await attempt('refresh', () =>
        refreshTokenGrant(config, refreshToken, parameters, dpop),
      ).catch(clientRejected);
      await checkBinding(config, response, authentication.tokens.dpopKey);
      const claims = response.claims();
      await verifySignature(config, response.id_token);
      let user = authentication.user;
      if (claims !== undefined) {
        // OpenID Connect Core 12.2: a refreshed ID token must name the same user; anything else
        // means the session no longer belongs to who signed in.
        if (claims.sub !== authentication.user.sub) {
          // Tokens issued for someone else are not kept: revoked at once, where the provider can.
          await discard(config, response, 'a refresh naming another user');
          throw new OAuthError('the refreshed ID token names another user; the session was ended', {
            code: 'OAUTH_SUBJECT_MISMATCH',
          });
        }
        user = oidcUser({ ...authentication.user.claims, ...claims }, claims.sub);
      }
      const tokens = tokensFromResponse(issuedTokens(response), requestedAt, authentication.tokens);
      return { user, tokens };
    },

    async fetchResource(token, url, init): Promise<Response> {
      const config = await getConfiguration();
      return fetchProtectedResource(
        config,
        token.accessToken,
        url,
        init.method ?? 'GET',
        (init.body ?? null) as Parameters<typeof fetchProtectedResource>[4],
        new Headers(init.headers),
        await dpopOptions(config, token),
      );
    },

    async fetchUserInfo(authentication): Promise<Record<string, unknown>> {
      const config = await getConfiguration();
      const { tokens, user } = authentication;
      return userInfoClaims(
        config,
        tokens.accessToken,
        user.sub,
        await dpopOptions(config, tokens),
      );
    },

    async ready(): Promise<void> {
      await getConfiguration();
    },

    async verifyLogoutToken(logoutToken) {
      const config = await getConfiguration();
      // Always checked, whatever verifyIdTokenSignature says: this token arrives from anyone
      // who can reach the route, not over the client's own connection to the token endpoint.
      const claims = await getVerifier(config)(logoutToken, refuseLogoutToken);
      return checkLogoutClaims(claims, {
        issuer: serverMetadataOf(config).issuer,
        clientId: provider.clientId,
        clockTolerance: options.clockTolerance,
      });
    },

    async revoke(tokens): Promise<boolean> {
      return revokeWithConfiguration(await getConfiguration(), tokens);
    },

    async endSessionUrl(authentication, postLogoutRedirectUri, extraParams = {}) {
      let config: Configuration;
      try {
        config = await getConfiguration();
      } catch {
        // The provider is down: the local session is gone already, which is what matters most.
        return undefined;
      }
      if (serverMetadataOf(config).end_session_endpoint === undefined) return undefined;
      const idToken = authentication?.tokens.idToken;
      // OpenID Connect RP-Initiated Logout 1.0 §2: the ID token travels in this URL as a hint.
      return buildEndSessionUrl(config, {
        ...extraParams,
        post_logout_redirect_uri: postLogoutRedirectUri,
        client_id: provider.clientId,
        ...(idToken === undefined ? {} : { id_token_hint: idToken }),
      });
    },

    async resourceServer() {
      const config = await getConfiguration();
      let server = resourceServers.get(config);
      if (server === undefined) {
        const jwksUri = serverMetadataOf(config).jwks_uri;
        server = {
          metadata: serverMetadataOf(config),
          configuration: config,
          keySet: jwksUri === undefined ? undefined : keySetOf(new URL(jwksUri)),
          signingAlgorithms: provider.signingAlgorithms,
        };
        resourceServers.set(config, server);
      }
      return server;
    },
  };
}
