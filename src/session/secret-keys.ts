import { hkdfSync, webcrypto } from 'node:crypto';
import { compactDecrypt, CompactEncrypt } from 'jose';
import { codedTypeError } from '../errors.js';

/**
 * The keys derived from the configured `secret`: one per purpose (pending-login cookies, tokens at
 * rest), so a value sealed for one purpose never opens as the other, and independent of the raw
 * secret, so the same value may also be express-session's cookie-signing secret (HKDF with a
 * purpose label; express-session uses the raw value as an HMAC key, which reveals nothing of the
 * derived keys). Several secrets rotate: the first seals, every one opens.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF)
 * @see https://www.rfc-editor.org/rfc/rfc7516 (JWE, compact serialization; `dir` + `A256GCM`)
 */

/** What a sealed value is for; each has its own keys. */
export type SealPurpose = 'pending-login' | 'tokens';

const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 8;
const MAX_SECRETS = 10;
/** Beyond this a value is not one of ours: refused before any parsing. */
const MAX_SEALED_LENGTH = 256 * 1024;

const SECRET_FIX =
  'a random value of at least 32 characters, the same on every instance (e.g. secret: process.env.SESSION_SECRET, made with `openssl rand -base64 32`), or a list of them to rotate';

interface DerivedKey {
  readonly id: string;
  /**
   * The key as WebCrypto holds it, imported once: jose would import raw bytes again on every seal
   * and open, a measurable share of a login's CPU (bench/results.md).
   */
  readonly key: Promise<webcrypto.CryptoKey>;
}

function derive(secret: string, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'express-oauth-rp', info, 32));
}

function deriveKey(secret: string, purpose: SealPurpose): DerivedKey {
  // The key id is derived too (another label), so it names the key without revealing anything of it.
  const id = Buffer.from(derive(secret, `${purpose} key id v1`).subarray(0, 9)).toString(
    'base64url',
  );
  const key = webcrypto.subtle.importKey('raw', derive(secret, `${purpose} v1`), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
  // Never rejects for 32 random bytes; kept from being reported unhandled before its first use.
  key.catch(() => undefined);
  return { id, key };
}

function checkSecret(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
    throw codedTypeError(`"options.${name}" must be ${SECRET_FIX}`, 'ERR_INVALID_ARG_VALUE');
  }
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    throw codedTypeError(
      `"options.${name}" is too easy to guess (it repeats a few characters); use ${SECRET_FIX}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return value;
}

/** The `secret` option, checked at creation: one value or a rotation list, first one sealing. */
export function readSecrets(value: unknown): readonly string[] {
  if (value === undefined || value === null || value === '') {
    throw codedTypeError(
      `"options.secret" is required to encrypt pending logins and tokens; pass ${SECRET_FIX}`,
      'ERR_MISSING_OPTION',
    );
  }
  if (!Array.isArray(value)) return [checkSecret(value, 'secret')];
  if (value.length === 0 || value.length > MAX_SECRETS) {
    throw codedTypeError(
      `"options.secret" must be one secret or a list of 1 to ${MAX_SECRETS} (newest first)`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return value.map((secret: unknown, index) => checkSecret(secret, `secret[${index}]`));
}

/** Seals and opens values with the keys of the configured secrets. */
export interface SecretKeys {
  /** Encrypts and authenticates `payload` (JSON) with the first secret's key for `purpose`. */
  seal(purpose: SealPurpose, payload: unknown): Promise<string>;
  /**
   * The payload of a value sealed with any of the secrets for `purpose`; `undefined` for anything
   * else (tampered, truncated, sealed for another purpose or with a secret no longer configured).
   */
  open(purpose: SealPurpose, sealed: string): Promise<unknown>;
  /** The id of the key that seals for `purpose` now (the first secret's). */
  sealingKeyId(purpose: SealPurpose): string;
  /**
   * Whether `id` names one of the configured keys for `purpose`, without decrypting anything: a
   * value sealed with a retired secret is known to be unreadable before any request needs it.
   */
  knowsKey(purpose: SealPurpose, id: string): boolean;
}

const encoder = new TextEncoder();

const decoder = new TextDecoder();

export function createSecretKeys(secrets: readonly string[]): SecretKeys {
  const keys = new Map<SealPurpose, readonly DerivedKey[]>();
  for (const purpose of ['pending-login', 'tokens'] as const) {
    keys.set(
      purpose,
      secrets.map((secret) => deriveKey(secret, purpose)),
    );
  }
  const keysFor = (purpose: SealPurpose): readonly DerivedKey[] => keys.get(purpose) ?? [];
  return {
    async seal(purpose, payload) {
      const [current] = keysFor(purpose);
      if (current === undefined) throw new Error('no sealing key');
      return new CompactEncrypt(encoder.encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.id })
        .encrypt(await current.key);
    },
    sealingKeyId(purpose) {
      const [current] = keysFor(purpose);
      if (current === undefined) throw new Error('no sealing key');
      return current.id;
    },
    knowsKey(purpose, id) {
      return keysFor(purpose).some((key) => key.id === id);
    },
    async open(purpose, sealed) {
      if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH) return undefined;
      try {
        const { plaintext } = await compactDecrypt(
          sealed,
          async (header) => {
            const found = keysFor(purpose).find((key) => key.id === header.kid);
            // An unknown key id: sealed for another purpose or with a retired secret.
            if (found === undefined) throw new Error('unknown key id');
            return found.key;
          },
          { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] },
        );
        return JSON.parse(decoder.decode(plaintext)) as unknown;
      } catch {
        // Whatever failed (format, key, tag, JSON), the value is not one this app sealed.
        return undefined;
      }
    },
  };
}
