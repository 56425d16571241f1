import { compactVerify, createRemoteJWKSet, customFetch, errors } from 'jose';
import type { JWSHeaderParameters, FlattenedJWSInput } from 'jose';
import { OAuthError } from '../errors.js';
import { toOAuthError } from '../provider-errors.js';

/** Asymmetric algorithms only: a symmetric one would let the client secret sign ID tokens. */
const ALGORITHMS = [
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

function invalid(reason: string, cause?: unknown): OAuthError {
  return new OAuthError(`the ID token failed validation: ${reason}`, {
    code: 'OAUTH_ID_TOKEN_INVALID',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Verifies ID token (and logout token) signatures against the provider's JWKS with jose, which openid-client skips
 * for tokens from the token endpoint.
 *
 * A token signed with a key the cached JWKS does not hold makes the JWKS be fetched again at once
 * (no cool-down), so a provider that rotated its keys is followed on the very next login. Only the
 * provider can cause such a fetch: ID tokens reach this function from its own token endpoint.
 * A token without `kid` while the provider publishes several keys is refused (OpenID Connect
 * Core 10.1 requires the `kid` then), instead of trying each key.
 */
export function createIdTokenVerifier(
  jwksUri: URL,
  fetchImpl: (url: string, init: RequestInit) => Promise<Response>,
  timeout: number,
): (jwt: string) => Promise<Record<string, unknown>> {
  const jwks = createRemoteJWKSet(jwksUri, {
    timeoutDuration: timeout,
    cooldownDuration: 0,
    [customFetch]: fetchImpl,
  });
  const key = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw invalid('it names no "kid" while the provider publishes several keys');
      }
      throw error;
    }
  };
  return async (jwt) => {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jwt, key, { algorithms: ALGORITHMS }));
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw invalid("no key of the provider's JWKS matches its signature", error);
      }
      if (error instanceof errors.JWKSTimeout) {
        throw new OAuthError('the provider did not answer in time while fetching its JWKS', {
          code: 'OAUTH_PROVIDER_TIMEOUT',
          cause: error,
        });
      }
      if (
        error instanceof errors.JWKSInvalid ||
        /JSON Web Key Set HTTP response/.test(String(error))
      ) {
        throw new OAuthError('the provider answered its JWKS request with something unusable', {
          code: 'OAUTH_PROVIDER_UNAVAILABLE',
          cause: error,
        });
      }
      if (error instanceof errors.JOSEError) throw invalid(error.message, error);
      throw toOAuthError(error, 'jwks');
    }
    try {
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) {
        return claims as Record<string, unknown>;
      }
    } catch {
      // Reported below.
    }
    throw invalid('its payload is not a JSON object');
  };
}
