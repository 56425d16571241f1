import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
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

/** The advertised algorithms per key set, worked out once: every request uses them. */
const algorithmLists = new WeakMap<OAuthResourceServer, string[]>();

/**
 * The algorithms the provider advertises (`id_token_signing_alg_values_supported`: RFC 9068
 * defines no metadata of its own), asymmetric ones only: `none`, and HMAC keyed with what is
 * public, are never accepted. A provider that advertises none gets every asymmetric one.
 */
function algorithmsOf(server: OAuthResourceServer): string[] {
  let algorithms = algorithmLists.get(server);
  if (algorithms === undefined) {
    const advertised = server.metadata.id_token_signing_alg_values_supported;
    algorithms = Array.isArray(advertised)
      ? ALGORITHMS.filter((alg) => advertised.includes(alg))
      : ALGORITHMS;
    algorithmLists.set(server, algorithms);
  }
  return algorithms;
}

/** Whether the token is a compact JWS (three base64url parts), as an RFC 9068 token is. */
export function isJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/**
 * Verifies an RFC 9068 JWT access token with jose: `typ` `at+jwt`, the signature against the
 * provider's JWKS with an advertised algorithm, `iss`, `aud` (one of `audience`), `exp` and `nbf`
 * with the clock tolerance, and the claims the profile requires (`sub`, `client_id`, `iat`,
 * `jti`). Resolves to the claims.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyJwtAccessToken(
  server: OAuthResourceServer,
  token: string,
  audience: string[],
  clockTolerance: number,
): Promise<Record<string, unknown>> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keysOf(server), {
      typ: 'at+jwt',
      issuer: server.metadata.issuer,
      audience,
      algorithms: algorithmsOf(server),
      clockTolerance,
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
    }));
  } catch (error) {
    throw verificationFailure(error, refuseToken);
  }
  if (typeof payload.client_id !== 'string' || typeof payload.sub !== 'string') {
    throw refuseToken('"client_id" and "sub" must be strings');
  }
  if (payload.scope !== undefined && typeof payload.scope !== 'string') {
    throw refuseToken('"scope" must be a space-separated string');
  }
  return payload;
}
