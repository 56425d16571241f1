import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { calculateJwkThumbprint, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { invalid } from './readers.js';

/**
 * The client's own private keys, for `private_key_jwt` client authentication (RFC 7523) and
 * signed request objects (RFC 9101). Each is read and checked when the middleware is created;
 * the first one signs, and every one is published by the JWKS route so a provider can follow a
 * rotation.
 */

/** An algorithm the package signs client assertions and request objects with. */
export type OAuthClientKeyAlgorithm = 'RS256' | 'PS256' | 'ES256';

/** One private key: a private JWK, a PKCS#8 PEM string or a `KeyObject`, with its algorithm and id. */
export type OAuthClientKey =
  | JWK
  | string
  | KeyObject
  | {
      /** The private key: a private JWK, a PKCS#8 PEM string or a `KeyObject`. */
      readonly key: JWK | string | KeyObject;
      /** Default: the JWK's `alg`, else `RS256` for RSA and `ES256` for P-256 keys. */
      readonly alg?: OAuthClientKeyAlgorithm;
      /** Default: the JWK's `kid`, else its RFC 7638 thumbprint. */
      readonly kid?: string;
    };

/** A checked private key, before its key id is known; internal. */
interface CheckedKey {
  readonly alg: OAuthClientKeyAlgorithm;
  readonly kid: string | undefined;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

/** A key ready to sign with, and to publish. */
export interface ClientSigningKey {
  readonly alg: OAuthClientKeyAlgorithm;
  readonly kid: string;
  readonly key: CryptoKey;
}

/**
 * The client's keys after validation: the first signs, all are published. Key ids (the JWK's
 * `kid`, else its RFC 7638 thumbprint, computed by jose) and the imported keys are made once, on
 * first use.
 */
export class ClientKeySet {
  readonly #keys: readonly CheckedKey[];
  #ready: Promise<{ signing: ClientSigningKey; jwks: { keys: JWK[] } }> | undefined;

  constructor(keys: readonly CheckedKey[]) {
    this.#keys = keys;
  }

  /** Every key's algorithm, newest first. */
  get algorithms(): readonly OAuthClientKeyAlgorithm[] {
    return this.#keys.map((key) => key.alg);
  }

  /** The algorithm the newest key signs with. */
  get alg(): OAuthClientKeyAlgorithm {
    return (this.#keys[0] as CheckedKey).alg;
  }

  async #prepare() {
    const published = await Promise.all(
      this.#keys.map(async (key) => ({
        ...key.publicJwk,
        alg: key.alg,
        use: 'sig',
        kid: key.kid ?? (await calculateJwkThumbprint(key.publicJwk)),
      })),
    );
    const newest = this.#keys[0] as CheckedKey;
    const kid = (published[0] as JWK).kid as string;
    const key = (await importJWK({ ...newest.privateJwk, kid }, newest.alg)) as CryptoKey;
    return { signing: { alg: newest.alg, kid, key }, jwks: { keys: published } };
  }

  /** The newest key, to sign client assertions and request objects with. */
  async signingKey(): Promise<ClientSigningKey> {
    this.#ready ??= this.#prepare();
    return (await this.#ready).signing;
  }

  /** Every key's public half, as the JWKS route publishes them: never a private parameter. */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    this.#ready ??= this.#prepare();
    return (await this.#ready).jwks;
  }
}

const ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256'];

function isKeyObject(value: unknown): value is KeyObject {
  return value instanceof KeyObject;
}

function privateKeyOf(name: string, key: unknown): KeyObject {
  try {
    if (isKeyObject(key)) {
      if (key.type !== 'private') throw new TypeError('not private');
      return key;
    }
    if (typeof key === 'string') return createPrivateKey(key);
    if (typeof key === 'object' && key !== null) {
      return createPrivateKey({ key: key as JsonWebKey, format: 'jwk' });
    }
  } catch {
    // Reported below, with what is expected.
  }
  throw invalid(name, 'a private key: a private JWK, a PKCS#8 PEM string or a private KeyObject');
}

function defaultAlgorithm(key: KeyObject): OAuthClientKeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  return undefined;
}

function fits(key: KeyObject, alg: OAuthClientKeyAlgorithm): boolean {
  if (alg === 'ES256') return defaultAlgorithm(key) === 'ES256';
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && bits >= 2048;
}

function readOne(name: string, value: unknown): CheckedKey {
  const wrapped =
    typeof value === 'object' && value !== null && !isKeyObject(value) && 'key' in value
      ? (value as { key: unknown; alg?: unknown; kid?: unknown })
      : { key: value };
  const jwk =
    typeof wrapped.key === 'object' && !isKeyObject(wrapped.key) ? (wrapped.key as JWK) : undefined;
  const privateKey = privateKeyOf(name, wrapped.key);
  const alg = wrapped.alg ?? jwk?.alg ?? defaultAlgorithm(privateKey);
  if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) {
    throw invalid(`${name}.alg`, '"RS256", "PS256" or "ES256"');
  }
  if (!fits(privateKey, alg as OAuthClientKeyAlgorithm)) {
    throw invalid(
      name,
      `a key for ${alg} (an RSA key of 2048 bits or more, or a P-256 key for ES256)`,
    );
  }
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = wrapped.kid ?? jwk?.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    throw invalid(`${name}.kid`, 'a non-empty string');
  }
  return {
    alg: alg as OAuthClientKeyAlgorithm,
    kid,
    publicJwk,
    privateJwk: privateKey.export({ format: 'jwk' }) as JWK,
  };
}

/** `clientPrivateKey`: one key or several, the first of which signs. */
export function readClientKeys(name: string, value: unknown): ClientKeySet | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid(name, 'a private key or a non-empty array of them');
  return new ClientKeySet(
    list.map((key, index) => readOne(Array.isArray(value) ? `${name}[${index}]` : name, key)),
  );
}
