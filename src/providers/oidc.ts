import {
  allowInsecureRequests,
  Configuration,
  None,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
  buildEndSessionUrl,
  clockTolerance,
  customFetch,
  fetchProtectedResource,
  discovery,
  fetchUserInfo,
  refreshTokenGrant,
} from 'openid-client';
import type { DPoPOptions, IDToken, TokenEndpointResponse } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ResolvedOidcProvider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import { tokensFromResponse } from '../session/tokens.js';
import type { OAuthDPoPKey } from '../session/tokens.js';
import { userFromProfile } from '../session/user.js';
import { checkResponseIssuer } from './authorization-response.js';
import { clientAuthentication, reportClientRejection } from './client-auth.js';
import { checkDpopBinding, createDpopKey, dpopOptions } from './dpop.js';
import type { OAuthProviderClient, OAuthResourceServer } from './client.js';
import { libraryCause } from './error-chain.js';
import { attempt } from './error-mapping.js';
import { issuedTokens } from './issued-tokens.js';
import { issuerKey } from './issuer-cache.js';
import type { IssuerCache } from './issuer-cache.js';
import { createJwtVerifier, createKeySet } from './jwt-verifier.js';
import type { JwtRefusal, JwtVerifier } from './jwt-verifier.js';
import { checkLogoutClaims } from './logout-token.js';
import { checkMetadataTransport } from './plain-http.js';
import { createProviderFetch, createTimedFetch, providerTransport } from './provider-fetch.js';
import { revokeWithConfiguration } from './revocation.js';
import { serverMetadataOf } from './server-metadata.js';

const refuseIdToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the ID token failed validation: ${reason}`, {
    code: 'OAUTH_ID_TOKEN_INVALID',
    ...(cause === undefined ? {} : { cause }),
  });

const refuseLogoutToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the logout token is invalid: ${reason}`, {
    code: 'OAUTH_LOGOUT_TOKEN_INVALID',
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * openid-client refuses a token response without the ID token a login asked for; its structured
 * cause is the response body, which shows the missing `id_token` without reading the message.
 */
function refuseMissingIdToken(error: unknown): never {
  const detail = libraryCause(error, 'OAUTH_INVALID_RESPONSE');
  const body =
    typeof detail === 'object' && detail !== null ? (detail as { body?: unknown }).body : undefined;
  const fields =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  if (typeof fields?.access_token === 'string' && typeof fields.id_token !== 'string') {
    throw refuseIdToken('the provider returned none although "openid" was requested', error);
  }
  throw error;
}

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
  let configuration: Promise<Configuration> | undefined;
  let verifier: JwtVerifier | undefined;
  const resourceServers = new WeakMap<Configuration, OAuthResourceServer>();
  const http = {
    allowInsecureHttp: provider.allowInsecureHttp,
    timeout: options.timeout,
    ...providerTransport(options, provider),
  };
  const timedFetch = createTimedFetch(http);
  /** The application's own `fetch`, which with the certificate names the transport. */
  const userFetch = provider.fetch ?? options.fetch;
  const clientRejected = reportClientRejection(options.logger, provider);

  /** The JWKS-backed signature check, created once the metadata names the JWKS. */
  function getVerifier(config: Configuration): JwtVerifier {
    if (verifier === undefined) {
      const jwksUri = serverMetadataOf(config).jwks_uri;
      if (jwksUri === undefined) {
        throw new OAuthError(
          'the provider metadata has no jwks_uri, so token signatures cannot be verified',
          { code: 'OAUTH_INVALID_RESPONSE' },
        );
      }
      const url = new URL(jwksUri);
      const keySet = issuers.keySet(issuerKey(url, provider, userFetch, options.timeout), () =>
        createKeySet(url, timedFetch, options.timeout),
      );
      verifier = createJwtVerifier(keySet, provider.signingAlgorithms);
    }
    return verifier;
  }

  /** Checks the ID token's signature (claims were checked by openid-client) unless turned off. */
  async function verifySignature(config: Configuration, idToken: string | undefined) {
    if (!provider.verifyIdTokenSignature || idToken === undefined) return;
    await getVerifier(config)(idToken, refuseIdToken);
  }

  // The discovery promise is shared by every request and dropped on failure, so a provider that
  // was down at start-up is tried again on the next request instead of failing forever. A refused
  // document is not cached either, so a corrected one is picked up on the next request.
  function getConfiguration(): Promise<Configuration> {
    configuration ??= attempt('discovery', async () => {
      const providerFetch = createProviderFetch({ ...http, quirks: provider.quirks });
      const clientMetadata = {
        ...(provider.clientSecret === undefined ? {} : { client_secret: provider.clientSecret }),
        // RFC 8705 §5: with a client certificate, the provider's mTLS endpoint aliases.
        ...(provider.clientCertificate === undefined ? {} : { use_mtls_endpoint_aliases: true }),
        [clockTolerance]: options.clockTolerance,
      };
      // openid-client discovers (and checks the document names this issuer) once per issuer;
      // every other provider of the same issuer and transport, in any tenant, reuses it.
      const metadata = await issuers.metadata(
        issuerKey(provider.issuer, provider, userFetch, options.timeout),
        async () => {
          const discovered = await discovery(
            provider.issuer,
            provider.clientId,
            clientMetadata,
            None(),
            {
              execute: provider.issuer.protocol === 'http:' ? [allowInsecureRequests] : [],
              timeout: options.timeout / 1000,
              [customFetch]: providerFetch,
            },
          );
          const found = discovered.serverMetadata();
          checkMetadataTransport(found, provider.allowInsecureHttp);
          return found;
        },
      );
      const config = new Configuration(
        metadata,
        provider.clientId,
        clientMetadata,
        clientAuthentication(provider),
      );
      if (provider.issuer.protocol === 'http:') allowInsecureRequests(config);
      config.timeout = options.timeout / 1000;
      config[customFetch] = providerFetch;
      http.observer.learn(serverMetadataOf(config));
      return config;
    });
    configuration.catch(() => {
      configuration = undefined;
    });
    return configuration;
  }

  function checkIssuedAt(claims: IDToken): void {
    const now = Date.now() / 1000;
    if (claims.iat > now + options.clockTolerance) {
      throw refuseIdToken('"iat" lies in the future');
    }
    if (claims.iat < now - options.idTokenMaxAge - options.clockTolerance) {
      throw refuseIdToken(`"iat" is more than ${options.idTokenMaxAge} seconds old`);
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
      const config = await getConfiguration();
      const formPost =
        responseModeOf(provider.responseMode, serverMetadataOf(config)) === 'form_post';
      const params = {
        ...request.params,
        ...(formPost ? { response_mode: 'form_post' } : {}),
        scope: provider.scope.split(' ').join(provider.quirks.scopeSeparator),
        redirect_uri: provider.redirectUri,
        response_type: 'code',
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      };
      const metadata = serverMetadataOf(config);
      const pushed =
        provider.pushedAuthorizationRequests ??
        metadata.require_pushed_authorization_requests === true;
      if (pushed && metadata.pushed_authorization_request_endpoint === undefined) {
        throw new OAuthError(
          'pushedAuthorizationRequests is on, but the provider metadata names no pushed_authorization_request_endpoint',
          { code: 'OAUTH_INVALID_RESPONSE' },
        );
      }
      let outgoing: URLSearchParams | Record<string, string> = params;
      if (provider.requestObjects && provider.clientKeys !== undefined) {
        // RFC 9101: every parameter goes into the signed request object.
        const signing = await provider.clientKeys.signingKey();
        const jar = await attempt('authorize', () =>
          buildAuthorizationUrlWithJAR(config, params, { key: signing.key, kid: signing.kid }),
        );
        if (!pushed) return jar;
        outgoing = jar.searchParams;
      }
      if (pushed) {
        // RFC 9126: the browser carries only client_id and request_uri.
        return attempt('authorize', () => buildAuthorizationUrlWithPAR(config, outgoing)).catch(
          clientRejected,
        );
      }
      return buildAuthorizationUrl(config, outgoing);
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
      checkIssuedAt(claims);
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
        server = {
          metadata: serverMetadataOf(config),
          configuration: config,
          fetch: timedFetch,
          timeout: options.timeout,
        };
        resourceServers.set(config, server);
      }
      return server;
    },
  };
}

/**
 * The response mode: the configured one, else `form_post` when the provider offers only that
 * (its `response_modes_supported` lacks `query`), else `query`.
 */
function responseModeOf(
  configured: 'query' | 'form_post' | undefined,
  metadata: { response_modes_supported?: unknown },
): 'query' | 'form_post' {
  if (configured !== undefined) return configured;
  const offered = metadata.response_modes_supported;
  return Array.isArray(offered) && offered.includes('form_post') && !offered.includes('query')
    ? 'form_post'
    : 'query';
}
