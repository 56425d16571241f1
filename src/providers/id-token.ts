/**
 * The checks the package adds to openid-client's on ID and logout tokens: the signature against
 * the provider's JWKS, a recent `iat`, and the refusals they end in.
 */
import type { Configuration, IDToken } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { libraryCause } from './error-chain.js';
import type { RemoteKeySet } from './issuer-cache.js';
import { createJwtVerifier } from './jwt-verifier.js';
import type { JwtRefusal, JwtVerifier } from './jwt-verifier.js';
import { serverMetadataOf } from './server-metadata.js';

export const refuseIdToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the ID token failed validation: ${reason}`, {
    code: 'OAUTH_ID_TOKEN_INVALID',
    ...(cause === undefined ? {} : { cause }),
  });

export const refuseLogoutToken: JwtRefusal = (reason, cause) =>
  new OAuthError(`the logout token is invalid: ${reason}`, {
    code: 'OAUTH_LOGOUT_TOKEN_INVALID',
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * openid-client refuses a token response without the ID token a login asked for; its structured
 * cause is the response body, which shows the missing `id_token` without reading the message.
 */
export function refuseMissingIdToken(error: unknown): never {
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

/** The ID token must have been issued recently: not in the future, not before `idTokenMaxAge`. */
export function checkIssuedAt(
  claims: IDToken,
  options: Pick<ResolvedOptions, 'clockTolerance' | 'idTokenMaxAge'>,
): void {
  const now = Date.now() / 1000;
  if (claims.iat > now + options.clockTolerance) {
    throw refuseIdToken('"iat" lies in the future');
  }
  if (claims.iat < now - options.idTokenMaxAge - options.clockTolerance) {
    throw refuseIdToken(`"iat" is more than ${options.idTokenMaxAge} seconds old`);
  }
}

/**
 * Returns the provider's JWKS-backed signature check getter: the check is created once, when the
 * metadata first names the JWKS, and kept.
 */
export function createVerifierGetter(
  keySetOf: (jwksUri: URL) => RemoteKeySet,
  signingAlgorithms: readonly string[] | undefined,
): (config: Configuration) => JwtVerifier {
  let verifier: JwtVerifier | undefined;
  return function getVerifier(config: Configuration): JwtVerifier {
    if (verifier === undefined) {
      const jwksUri = serverMetadataOf(config).jwks_uri;
      if (jwksUri === undefined) {
        throw new OAuthError(
          'the provider metadata has no jwks_uri, so token signatures cannot be verified',
          { code: 'OAUTH_INVALID_RESPONSE' },
        );
      }
      verifier = createJwtVerifier(keySetOf(new URL(jwksUri)), signingAlgorithms);
    }
    return verifier;
  };
}
