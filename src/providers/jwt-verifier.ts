import { compactVerify, createRemoteJWKSet, customFetch, errors } from 'jose';
import type { FlattenedJWSInput, JWSHeaderParameters } from 'jose';
import { OAuthError } from '../errors.js';
import { toOAuthError } from './error-mapping.js';
import type { RemoteKeySet } from './issuer-cache.js';

/** Asymmetric algorithms only: a symmetric one would let the client secret sign tokens. */
export const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'Ed25519',
  'EdDSA',
];

/** Builds the error of a token that failed verification, from the package's own reason. */
export type JwtRefusal = (reason: string, cause?: unknown) => OAuthError;

/**
 * Milliseconds between two JWKS fetches caused by an unknown `kid`, for tokens anyone can send
 * (access tokens at `requireBearer()`): a flood of tokens naming made-up keys costs the provider
 * one request per cool-down, and a real key rotation is followed within it.
 */
export const UNKNOWN_KID_COOLDOWN = 30_000;

/**
 * The provider's published keys (its `jwks_uri`), fetched with its transport and timeout: the
 * one key set sign-in and `requireBearer()` share. A key it does not hold makes it fetch again
 * at most once per {@link UNKNOWN_KID_COOLDOWN}; {@link createJwtVerifier} refetches at once.
 */
export function createKeySet(
  jwksUri: URL,
  fetchImpl: (url: string, init: RequestInit) => Promise<Response>,
  timeout: number,
): RemoteKeySet {
  return createRemoteJWKSet(jwksUri, {
    timeoutDuration: timeout,
    cooldownDuration: UNKNOWN_KID_COOLDOWN,
    [customFetch]: fetchImpl,
  });
}

/** Verifies a compact JWS against the provider's keys; resolves to its JSON payload. */
export type JwtVerifier = (jwt: string, refuse: JwtRefusal) => Promise<Record<string, unknown>>;

/** jose's error classes decide: what the provider did wrong, or what the token did wrong. */
export function verificationFailure(error: unknown, refuse: JwtRefusal): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse('it names no "kid" while the provider publishes several keys', error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return refuse("no key of the provider's JWKS matches its signature", error);
  }
  if (error instanceof errors.JWKSTimeout) {
    return new OAuthError('the provider did not answer in time while fetching its JWKS', {
      code: 'OAUTH_PROVIDER_TIMEOUT',
      cause: error,
    });
  }
  // jose reports an unusable JWKS response (a non-2xx status, a body that is no key set) as
  // JWKSInvalid, or as a JOSEError whose `code` is ERR_JOSE_GENERIC from its HTTP layer.
  if (
    error instanceof errors.JWKSInvalid ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  ) {
    return new OAuthError('the provider answered its JWKS request with something unusable', {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      cause: error,
    });
  }
  if (error instanceof errors.JOSEError) return refuse(error.message, error);
  return toOAuthError(error, 'jwks');
}

/**
 * Verifies ID token (and logout token) signatures against the provider's JWKS with jose, which
 * openid-client skips for tokens from the token endpoint.
 *
 * A token signed with a key the cached JWKS does not hold makes the JWKS be fetched again at once
 * (the key set's own cool-down for tokens anyone can send is skipped), so a provider that rotated
 * its keys is followed on the very next login. Only the provider can cause such a fetch for ID
 * tokens: they reach this function from its own token endpoint. A token without `kid` while the
 * provider publishes several keys is refused (OpenID Connect Core 10.1 requires the `kid` then),
 * instead of trying each key.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#Signing
 */
export function createJwtVerifier(
  jwks: RemoteKeySet,
  algorithms: readonly string[] = ALGORITHMS,
): JwtVerifier {
  const key = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    // Cooling down before the call: the key set will not refetch for an unknown kid, so do it here.
    const coolingDown = jwks.coolingDown;
    try {
      return await jwks(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !coolingDown) throw error;
      await jwks.reload();
      return jwks(header, token);
    }
  };
  return async (jwt, refuse) => {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jwt, key, { algorithms: [...algorithms] }));
    } catch (error) {
      throw verificationFailure(error, refuse);
    }
    try {
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) {
        return claims as Record<string, unknown>;
      }
    } catch {
      // Reported below.
    }
    throw refuse('its payload is not a JSON object');
  };
}
