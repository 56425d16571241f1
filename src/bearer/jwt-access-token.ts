import { jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { OAuthError } from '../errors.js';
import type { OAuthResourceServer } from '../providers/client.js';
import { ALGORITHMS, verificationFailure } from '../providers/jwt-verifier.js';
import type { JwtRefusal } from '../providers/jwt-verifier.js';

export const refuseToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the access token is refused: ${reason}`, {
    code: 'OAUTH_INVALID_TOKEN',
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * The algorithms a token may be signed with: those the provider advertises
 * (`id_token_signing_alg_values_supported`: RFC 9068 defines no metadata of its own) that its
 * configuration allows too (`profile: 'fapi2'`: PS256 and ES256), as sign-in restricts ID
 * tokens; asymmetric ones only: `none`, and HMAC keyed with what is public, are never accepted.
 * A provider that advertises none gets every one its configuration allows.
 */
function algorithmsOf(server: OAuthResourceServer): string[] {
  const advertised = server.metadata.id_token_signing_alg_values_supported;
  const allowed = server.signingAlgorithms ?? ALGORITHMS;
  return ALGORITHMS.filter(
    (alg) => allowed.includes(alg) && (!Array.isArray(advertised) || advertised.includes(alg)),
  );
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
 * against the provider's JWKS with an algorithm it advertises and allows, `iss`, `aud` (one of `audience`),
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
  // Sign-in's key set: an unknown kid refetches it at most once per cool-down, as anyone can
  // send a bearer token (sign-in itself refetches at once: only the provider hands it ID tokens).
  const keys = server.keySet;
  return (token) => {
    if (keys === undefined) {
      return Promise.reject(
        new OAuthError(
          'the provider metadata has no jwks_uri, so access token signatures cannot be verified',
          { code: 'OAUTH_INVALID_RESPONSE' },
        ),
      );
    }
    return jwtVerify(token, keys, options).then(checkedClaims, refused);
  };
}
