import { createPublicKey, randomBytes } from 'node:crypto';
import { base64url, CompactSign, exportJWK, generateKeyPair } from 'jose';
import type { CompactJWSHeaderParameters, CryptoKey } from 'jose';
import type { Json, JsonObject, Patch, PublicJwk, SignOptions } from './types.js';

interface SigningKeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: PublicJwk;
}

const encoder = new TextEncoder();

/** Applies a Patch: members set to undefined are removed, the others overwrite. */
export function applyPatch<V extends Json>(
  target: Record<string, V>,
  patch: Patch<V> | undefined,
): Record<string, V> {
  const merged = Object.entries({ ...target, ...patch });
  return Object.fromEntries(merged.filter((entry): entry is [string, V] => entry[1] !== undefined));
}

async function createKey(kid: string): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const { n = '', e = '' } = await exportJWK(publicKey);
  return { kid, privateKey, publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' } };
}

/**
 * The provider's keys: the published ones (index 0 signs) and, generated on first use, a
 * foreign key that is never published (for "signed by someone else" tests).
 */
export class KeyRing {
  // Random per ring so kids never collide between providers sharing a JWKS cache.
  readonly #prefix = randomBytes(3).toString('hex');
  #serial = 0;
  #published: SigningKeyPair[] = [];
  #foreign: Promise<SigningKeyPair> | undefined;

  private constructor(private readonly clientSecret: () => string) {}

  static async create(count: number, clientSecret: () => string): Promise<KeyRing> {
    const ring = new KeyRing(clientSecret);
    ring.#published = await Promise.all(
      Array.from({ length: Math.max(1, count) }, () => createKey(ring.#nextKid())),
    );
    return ring;
  }

  #nextKid(): string {
    this.#serial += 1;
    return `key-${this.#prefix}-${this.#serial}`;
  }

  get kid(): string {
    const current = this.#published[0];
    if (current === undefined) throw new Error('the key ring publishes no key');
    return current.kid;
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.#published.map((key) => ({ ...key.publicJwk })) };
  }

  async rotate(): Promise<string> {
    const next = await createKey(this.#nextKid());
    this.#published = [next, ...this.#published.slice(1)];
    return next.kid;
  }

  async sign(payload: JsonObject, options: SignOptions = {}): Promise<string> {
    const choice = options.key ?? 'current';
    const body = encoder.encode(JSON.stringify(payload));

    if (choice === 'none') {
      // jose refuses to produce unsecured JWS, and that refusal is exactly what we are testing.
      const header = applyPatch({ alg: 'none' }, options.header);
      const encode = (value: Json): string => base64url.encode(JSON.stringify(value));
      return `${encode(header)}.${base64url.encode(body)}.`;
    }

    let key: CryptoKey | Uint8Array;
    let defaults: JsonObject;
    if (choice === 'hs256') {
      key = encoder.encode(this.clientSecret());
      defaults = { alg: 'HS256' };
    } else if (choice === 'hs256-public-pem' || choice === 'hs256-public-jwk') {
      // What anyone can read from the JWKS, used as an HMAC secret under the key's own kid: a
      // verifier that picks the algorithm from the header would check it with those same bytes.
      const current = this.#published[0];
      if (current === undefined) throw new Error('the key ring publishes no key');
      const published =
        choice === 'hs256-public-pem'
          ? createPublicKey({ key: current.publicJwk, format: 'jwk' })
              .export({ type: 'spki', format: 'pem' })
              .toString()
          : JSON.stringify(current.publicJwk);
      key = encoder.encode(published);
      defaults = { alg: 'HS256', kid: current.kid };
    } else if (choice === 'foreign') {
      this.#foreign ??= createKey('foreign');
      key = (await this.#foreign).privateKey;
      // Claims the current kid so that the RP finds a key and the signature check itself fails.
      defaults = { alg: 'RS256', kid: this.kid };
    } else {
      const pair = this.#published[choice === 'current' ? 0 : choice];
      if (!pair) throw new RangeError(`no published key at index ${String(choice)}`);
      key = pair.privateKey;
      defaults = { alg: 'RS256', kid: pair.kid };
    }

    const header = applyPatch(defaults, options.header);
    // jose rejects unknown "crit" extensions when signing unless told they are understood.
    const crit = Array.isArray(header.crit)
      ? Object.fromEntries(header.crit.filter((n) => typeof n === 'string').map((n) => [n, true]))
      : undefined;
    return new CompactSign(body)
      .setProtectedHeader(header as CompactJWSHeaderParameters)
      .sign(key, { crit });
  }
}
