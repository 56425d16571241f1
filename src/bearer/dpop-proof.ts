import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { OAuthError } from '../errors.js';
import { ALGORITHMS } from '../providers/jwt-verifier.js';
import type { DpopNonces } from './dpop-nonce.js';
import type { OAuthReplayStore } from './replay-store.js';

/** What a proof must match: this request, this token, the key the token is bound to. */
export interface DpopExpectation {
  /** The request's method. */
  readonly method: string;
  /** The request's public URL (from `baseURL`, never the Host header), without query or fragment. */
  readonly url: string;
  readonly accessToken: string;
  /** The token's `cnf.jkt`: the SHA-256 thumbprint of the key it is bound to. */
  readonly jkt: string;
}

export interface DpopSettings {
  readonly proofMaxAge: number;
  readonly clockTolerance: number;
  readonly replayStore: OAuthReplayStore;
  readonly nonces: DpopNonces | undefined;
}

function refuseProof(reason: string, cause?: unknown): OAuthError {
  return new OAuthError(`the DPoP proof is refused: ${reason}`, {
    code: 'OAUTH_INVALID_DPOP_PROOF',
    ...(cause === undefined ? {} : { cause }),
  });
}

function withoutQuery(value: string): string | undefined {
  try {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a DPoP proof for a request with a DPoP-bound token: jose checks the `dpop+jwt` type,
 * the signature by the embedded public key (asymmetric algorithms only) and that `iat` is within
 * `proofMaxAge` (with the clock tolerance); then `htm`, `htu`, `ath` and the key's thumbprint
 * against the token's `cnf.jkt`, the server nonce when one is required, and last the `jti`, so a
 * proof is spent only once it passed everything else.
 *
 * oauth4webapi's `validateJwtAccessToken` checks the same proof claims, but only for JWT access
 * tokens bound with `cnf.jkt` alone: introspected tokens and mTLS-bound ones need this check too.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyDpopProof(
  proof: string | undefined,
  expected: DpopExpectation,
  settings: DpopSettings,
): Promise<void> {
  if (proof === undefined) throw refuseProof('the request has no DPoP header');
  let payload: Record<string, unknown>;
  let jwk: JWK | undefined;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ALGORITHMS,
      requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
      maxTokenAge: settings.proofMaxAge,
      clockTolerance: settings.clockTolerance,
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk;
  } catch (error) {
    if (error instanceof errors.JOSEError) throw refuseProof(error.message, error);
    throw error;
  }
  if (payload.htm !== expected.method) throw refuseProof('it was made for another method ("htm")');
  if (typeof payload.htu !== 'string' || withoutQuery(payload.htu) !== expected.url) {
    throw refuseProof('it was made for another URL ("htu")');
  }
  const ath = createHash('sha256').update(expected.accessToken).digest('base64url');
  if (payload.ath !== ath) throw refuseProof('it was made for another access token ("ath")');
  if (jwk === undefined || (await calculateJwkThumbprint(jwk, 'sha256')) !== expected.jkt) {
    throw refuseProof('it is signed by another key than the one the token is bound to');
  }
  if (settings.nonces !== undefined && !settings.nonces.accepts(payload.nonce)) {
    throw new OAuthError('the DPoP proof must carry the nonce of the DPoP-Nonce header', {
      code: 'OAUTH_USE_DPOP_NONCE',
    });
  }
  if (typeof payload.jti !== 'string' || payload.jti.length > 256) {
    throw refuseProof('"jti" must be a string of at most 256 characters');
  }
  // Remembered for as long as the proof could be accepted: its age limit plus skew both ways.
  const ttl = (settings.proofMaxAge + 2 * settings.clockTolerance) * 1000;
  if (!(await settings.replayStore.claim(`${expected.jkt}:${payload.jti}`, ttl))) {
    throw refuseProof('it was used before ("jti")');
  }
}
