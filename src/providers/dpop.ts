import { webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import type { JWK } from 'jose';
import { getDPoPHandle, randomDPoPKeyPair } from 'openid-client';
import type {
  Configuration,
  CryptoKeyPair,
  DPoPHandle,
  DPoPOptions,
  ServerMetadata,
  TokenEndpointResponse,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import type { OAuthDPoPKey, OAuthTokens } from '../session/tokens.js';

/**
 * DPoP (RFC 9449) for sign-in sessions: one key pair per sign-in, made at the code exchange, kept
 * in the session as a private JWK next to the tokens it binds, and imported again (once per
 * request at most) for each call that needs a proof. Only this file reads or makes the key.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */

/** WebCrypto import parameters of each algorithm the package signs proofs with, best first. */
const ALGORITHMS: Readonly<
  Record<
    string,
    webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm
  >
> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  RS384: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  RS512: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  Ed25519: { name: 'Ed25519' },
};

/** The members of a private JWK that make up its public half, per key type. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};

/**
 * The algorithm to sign proofs with: ES256 when the provider lists it (or lists nothing, which
 * RFC 9449 §5.1 leaves open), else the first it lists that the package can sign with.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5.1
 */
export function dpopAlgorithm(metadata: ServerMetadata): string {
  const listed = metadata.dpop_signing_alg_values_supported;
  if (!Array.isArray(listed) || listed.includes('ES256')) return 'ES256';
  const usable = listed.find(
    (alg): alg is string => typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg),
  );
  if (usable === undefined) {
    throw new OAuthError(
      'the provider metadata lists no DPoP algorithm the package can sign with (dpop_signing_alg_values_supported)',
      { code: 'OAUTH_INVALID_RESPONSE' },
    );
  }
  return usable;
}

function publicHalf(jwk: JWK): JWK {
  const members = PUBLIC_MEMBERS[jwk.kty ?? ''] ?? [];
  return Object.fromEntries(
    members.map((name) => [name, (jwk as Record<string, unknown>)[name]]),
  ) as JWK;
}

/** A stored key read back: the session is stored data, so its shape is checked before use. */
function checkedKey(value: unknown): OAuthDPoPKey {
  const key = value as Partial<OAuthDPoPKey> | undefined;
  const jwk = key?.jwk;
  if (
    typeof key?.alg !== 'string' ||
    !Object.hasOwn(ALGORITHMS, key.alg) ||
    typeof jwk !== 'object' ||
    jwk === null ||
    typeof jwk.kty !== 'string' ||
    !Object.hasOwn(PUBLIC_MEMBERS, jwk.kty) ||
    typeof jwk.d !== 'string'
  ) {
    throw new OAuthError(
      'the session holds no usable DPoP key for its DPoP-bound token; log in again',
      {
        code: 'OAUTH_LOGIN_REQUIRED',
      },
    );
  }
  return key as OAuthDPoPKey;
}

interface ImportedKey {
  readonly keyPair: Promise<CryptoKeyPair>;
  /** openid-client's proof maker for this key, and the configuration it was made for. */
  prover?: { readonly config: Configuration; readonly dpop: DPoPHandle };
}

// Keyed by the stored key object, which a session store hands out anew for each request: the key
// is imported once per request at most, and a handle's learned nonces last as long as the request.
const imported = new WeakMap<OAuthDPoPKey, ImportedKey>();

async function importKeyPair(key: OAuthDPoPKey): Promise<CryptoKeyPair> {
  const algorithm = ALGORITHMS[key.alg] as webcrypto.Algorithm;
  const { subtle } = webcrypto;
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('jwk', key.jwk as webcrypto.JsonWebKey, algorithm, false, ['sign']),
    // oauth4webapi exports the public key into every proof header, so it must be extractable.
    subtle.importKey('jwk', publicHalf(key.jwk) as webcrypto.JsonWebKey, algorithm, true, [
      'verify',
    ]),
  ]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

/** The handle that signs this sign-in's proofs (openid-client answers one `use_dpop_nonce`). */
async function dpopHandle(config: Configuration, stored: unknown): Promise<DPoPHandle> {
  const key = checkedKey(stored);
  let entry = imported.get(key);
  if (entry === undefined) {
    entry = { keyPair: importKeyPair(key) };
    imported.set(key, entry);
  }
  const keyPair = await entry.keyPair.catch((error: unknown) => {
    imported.delete(key);
    throw new OAuthError(
      'the session holds no usable DPoP key for its DPoP-bound token; log in again',
      {
        code: 'OAUTH_LOGIN_REQUIRED',
        cause: error,
      },
    );
  });
  if (entry.prover?.config !== config) {
    entry.prover = { config, dpop: getDPoPHandle(config, keyPair) };
  }
  return entry.prover.dpop;
}

/** A proof for every call with tokens bound to a DPoP key (RFC 9449 §7), none for Bearer ones. */
export async function dpopOptions(
  config: Configuration,
  tokens: Pick<OAuthTokens, 'tokenType' | 'dpopKey'>,
): Promise<DPoPOptions> {
  if (tokens.dpopKey === undefined && tokens.tokenType !== 'dpop') return {};
  return { DPoP: await dpopHandle(config, tokens.dpopKey) };
}

/** A new key pair for one sign-in, in the form the session keeps. */
export async function createDpopKey(metadata: ServerMetadata): Promise<OAuthDPoPKey> {
  const alg = dpopAlgorithm(metadata);
  const keyPair = await randomDPoPKeyPair(alg, { extractable: true });
  const key: OAuthDPoPKey = {
    alg,
    jwk: (await webcrypto.subtle.exportKey(
      'jwk',
      keyPair.privateKey as webcrypto.CryptoKey,
    )) as JWK,
  };
  imported.set(key, { keyPair: Promise.resolve(keyPair) });
  return key;
}

/** The key's SHA-256 JWK thumbprint, as a bound token's `cnf.jkt` names it (RFC 9449 §6.1). */
export function dpopThumbprint(key: OAuthDPoPKey): Promise<string> {
  return calculateJwkThumbprint(publicHalf(key.jwk), 'sha256');
}

function notBound(reason: string): OAuthError {
  return new OAuthError(
    `the provider issued an access token that is not bound to this sign-in's DPoP key: ${reason}`,
    {
      code: 'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED',
    },
  );
}

/** The `cnf.jkt` of a JWT access token; undefined for an opaque token. */
function boundThumbprint(accessToken: string): { readonly jkt: unknown } | undefined {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(accessToken);
  } catch {
    return undefined;
  }
  const cnf = claims.cnf;
  return {
    jkt: typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined,
  };
}

/**
 * Refuses a token response that DPoP was asked for and did not get: `token_type` must be `DPoP`
 * (RFC 9449 §5), and a JWT access token must name this key in `cnf.jkt` (§6.1). An opaque
 * token's binding is the resource server's to check.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export async function checkDpopBinding(
  response: TokenEndpointResponse,
  key: OAuthDPoPKey,
): Promise<void> {
  if (response.token_type.toLowerCase() !== 'dpop') {
    throw notBound('its token_type is not "DPoP"');
  }
  const bound = boundThumbprint(response.access_token);
  if (bound !== undefined && bound.jkt !== (await dpopThumbprint(key))) {
    throw notBound('its "cnf.jkt" names another key');
  }
}
