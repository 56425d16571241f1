/** The test provider's oidc-provider configuration: claims, keys, lifetimes and features. */
import { randomBytes } from 'node:crypto';

import { exportJWK, generateKeyPair } from 'jose';
import type { Account, Configuration, JWK } from 'oidc-provider';

import { TEST_ACCOUNTS } from './fixtures.js';
import { loadOidcProvider } from './notices.js';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.js';
import type { TestProviderOptions } from './provider.js';
import { createAdapter } from './storage.js';
import type { StoredEntry } from './storage.js';

/**
 * The full OIDC standard claim set, so `profile` and `email` scopes map to what real providers
 * release and the RP's claim handling is exercised.
 */
const STANDARD_CLAIMS: Record<string, string[] | null> = {
  acr: null,
  auth_time: null,
  iss: null,
  sid: null,
  openid: ['sub'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

const DAY = 24 * 60 * 60;

export async function buildConfiguration(
  options: TestProviderOptions,
  store: Map<string, StoredEntry>,
): Promise<Configuration> {
  const accounts = options.accounts ?? TEST_ACCOUNTS;
  const rotate = options.rotateRefreshTokens ?? true;
  return {
    adapter: createAdapter(store),
    findAccount: (_ctx, sub) => findAccountIn(accounts, sub),
    jwks: {
      keys: [
        await generateSigningKey(),
        ...(options.fapi2 === true ? [await generateSigningKey('ES256')] : []),
      ],
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: STANDARD_CLAIMS,
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    pkce: { required: () => true },
    // Without offline_access (which oidc-provider also strips unless prompt=consent), the default
    // issues no refresh token at all; the RP's refresh logic needs one on every login.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => rotate,
    clientBasedCORS: () => true,
    // Keeps count('/token') about the token endpoint alone.
    routes: { revocation: '/revoke', introspection: '/introspect' },
    ttl: {
      AccessToken: options.accessTokenTTL ?? 3600,
      ClientCredentials: options.accessTokenTTL ?? 3600,
      IdToken: options.idTokenTTL ?? 3600,
      AuthorizationCode: 60,
      RefreshToken: 14 * DAY,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: 14 * DAY,
    },
    features: {
      ...(options.fapi2 === true ? { fapi: { enabled: true, profile: '2.0' } } : {}),
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: options.requirePushedAuthorizationRequests ?? false,
      },
      requestObjects: { enabled: options.requestObjects ?? false },
      dPoP: {
        enabled: true,
        ...(options.dpopNonce === true
          ? { nonceSecret: randomBytes(32), requireNonce: () => true }
          : {}),
      },
      ...(options.resourceServers === undefined
        ? {}
        : { resourceIndicators: resourceIndicators(options.resourceServers) }),
      userinfo: { enabled: true },
      clientCredentials: { enabled: options.clientCredentials ?? false },
      backchannelLogout: { enabled: options.backchannelLogout ?? false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
    fetch: loopbackFetch,
  };
}

/** `features.resourceIndicators` for the given resource servers; any other resource is refused. */
function resourceIndicators(
  servers: Readonly<Record<string, { scope: string }>>,
): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  return {
    enabled: true,
    getResourceServerInfo: async (_ctx, resource) => {
      const server = Object.hasOwn(servers, resource) ? servers[resource] : undefined;
      if (server === undefined) {
        const { errors } = await loadOidcProvider();
        throw new errors.InvalidTarget();
      }
      return {
        scope: server.scope,
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}

/**
 * Unknown accounts resolve to undefined. oidc-provider 9's devInteractions accept any login
 * name without asking, and then fail the resumed authorization with a server_error (500), so
 * a mistyped account surfaces as a failed `completeLogin`, not as a silent stranger.
 */
function findAccountIn(
  accounts: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  sub: string,
): Account | undefined {
  const claims = accounts[sub];
  if (claims === undefined) return undefined;
  return { accountId: sub, claims: () => ({ ...claims, sub }) };
}

async function generateSigningKey(alg: 'RS256' | 'ES256' = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    ...jwk,
    kty: alg === 'RS256' ? 'RSA' : 'EC',
    kid: `test-${randomBytes(6).toString('hex')}`,
    alg,
    use: 'sig',
  };
}

/**
 * oidc-provider's outgoing fetch (back-channel logout) uses an SSRF-guarding dispatcher that
 * refuses loopback addresses, and the RP under test is on 127.0.0.1.
 */
function loopbackFetch(url: URL | string | Request, options?: RequestInit): Promise<Response> {
  const rest: RequestInit & { dispatcher?: unknown } = { ...options };
  delete rest.dispatcher;
  return fetch(url, rest);
}
