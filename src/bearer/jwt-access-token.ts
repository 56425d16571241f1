import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { Configuration } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { OAuthResourceServer } from '../providers/client.js';
import { ALGORITHMS, verificationFailure } from '../providers/jwt-verifier.js';
import type { JwtRefusal } from '../providers/jwt-verifier.js';

/**
 * Seconds between two JWKS fetches caused by an unknown `kid`. Anyone can send a bearer token,
 * so unlike ID tokens (which only the provider's token endpoint hands over) an unknown key must
 * not make every request fetch the JWKS again; a real key rotation is followed within this time.
 */
const UNKNOWN_KID_COOLDOWN = 30_000;

/** One key set per discovered configuration, shared by every guard of that provider. */
const keySets = new WeakMap<Configuration, JWTVerifyGetKey>();

export const refuseToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the access token is refused: ${reason}`, {
    code: 'OAUTH_INVALID_TOKEN',
    ...(cause === undefined ? {} : { cause }),
  });

function keysOf(server: OAuthResourceServer): JWTVerifyGetKey {
  let keys = keySets.get(server.configuration);
  if (keys === undefined) {
    const jwksUri = server.metadata.jwks_uri;
    if (jwksUri === undefined) {
      throw new OAuthError(
        'the provider metadata has no jwks_uri, so access token signatures cannot be verified',
        { code: 'OAUTH_INVALID_RESPONSE' },
      );
    }
    keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: server.timeout,
      cooldownDuration: UNKNOWN_KID_COOLDOWN,
      [customFetch]: server.fetch,
    });
    keySets.set(server.configuration, keys);
  }
  return keys;
}

/**
 * The algorithms the provider advertises (`id_token_signing_alg_values_supported`: RFC 9068
 * defines no metadata of its own), asymmetric ones only: `none`, and HMAC keyed with what is
 * public, are never accepted. A provider that advertises none gets every asymmetric one.
 */
function algorithmsOf(server: OAuthResourceServer): string[] {
  const advertised = server.metadata.id_token_signing_alg_values_supported;
  return Array.isArray(advertised)
    ? ALGORITHMS.filter((alg) => advertised.includes(alg))
    : ALGORITHMS;
}

/** The claims of a verified token, once the types RFC 9068 §2.2 gives them are checked. */
function checkedClaims({ payload }: { payload: JWTPayload }): Record<string, unknown> {
  if (typeof payload.client_id !== 'string' || typeof payload.sub !== 'string') {
    throw refuseToken('"client_id" and "sub" must be strings');
  }
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw refuseToken('"scope" must be a space-separated string');
  }
  return payload;
}

function refused(error: unknown): never {
  throw verificationFailure(error, refuseToken);
}

/** Checks one JWT access token; resolves to its claims. */
export type AccessTokenVerifier = (token: string) => Promise<Record<string, unknown>>;

/**
 * Verifies RFC 9068 JWT access tokens of `server` with jose: `typ` `at+jwt`, the signature
 * against the provider's JWKS with an advertised algorithm, `iss`, `aud` (one of `audience`),
 * `exp` and `nbf` with the clock tolerance, and the claims the profile requires (`sub`,
 * `client_id`, `iat`, `jti`). What every token is checked with is worked out here, once per
 * guard and provider, not per request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function createAccessTokenVerifier(
  server: OAuthResourceServer,
  audience: readonly string[],
  clockTolerance: number,
): AccessTokenVerifier {
  const options: JWTVerifyOptions = {
    typ: 'at+jwt',
    issuer: server.metadata.issuer,
    audience: [...audience],
    algorithms: algorithmsOf(server),
    clockTolerance,
    requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
  };
  return (token) => {
    let keys: JWTVerifyGetKey;
    try {
      keys = keysOf(server);
    } catch (error) {
      return Promise.reject(error);
    }
    return jwtVerify(token, keys, options).then(checkedClaims, refused);
  };
}
