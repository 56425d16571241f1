// The `secret` option: required, long and varied enough, a list to rotate; and what it seals opens
// only with a configured secret and for the purpose it was sealed for.
import { describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import type { OAuthOptions } from '../../src/index.js';
import { createSecretKeys, readSecrets } from '../../src/session/secret-keys.js';

const base = {
  issuer: 'https://op.example.com',
  clientId: 'client',
  clientSecret: 'secret',
  baseURL: 'https://app.example.com',
};
const GOOD = 'a-random-secret-of-at-least-32-characters';
const OTHER = 'another-random-secret-of-32-characters!!';

function create(secret: unknown): () => unknown {
  return () => oauthMiddleware({ ...base, secret } as unknown as OAuthOptions);
}

describe('secret', () => {
  it('is required, and the message names the fix', () => {
    expect(create(undefined)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_MISSING_OPTION',
        message: expect.stringContaining('secret: process.env.SESSION_SECRET'),
      }),
    );
  });

  it.each([
    ['too short', 'short-secret'],
    ['not a string', 42],
    ['an empty list', []],
    ['a list with a short value', [GOOD, 'short']],
  ])('refuses a secret that is %s', (_why, secret) => {
    expect(create(secret)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it('refuses a long secret made of a few repeated characters', () => {
    expect(create('a'.repeat(64))).toThrow(/too easy to guess/);
  });

  it('accepts one value or a rotation list', () => {
    expect(typeof oauthMiddleware({ ...base, secret: GOOD })).toBe('function');
    expect(typeof oauthMiddleware({ ...base, secret: [GOOD, OTHER] })).toBe('function');
  });
});

describe('sealing', () => {
  it('opens with every configured secret, seals with the first', async () => {
    const old = createSecretKeys(readSecrets(OTHER));
    const rotated = createSecretKeys(readSecrets([GOOD, OTHER]));
    const retired = createSecretKeys(readSecrets(GOOD));
    const sealedOld = await old.seal('tokens', { a: 1 });
    expect(await rotated.open('tokens', sealedOld)).toEqual({ a: 1 });
    expect(await retired.open('tokens', sealedOld)).toBeUndefined();
    expect(retired.knowsKey('tokens', old.sealingKeyId('tokens'))).toBe(false);
    expect(rotated.knowsKey('tokens', old.sealingKeyId('tokens'))).toBe(true);
    expect(rotated.sealingKeyId('tokens')).toBe(retired.sealingKeyId('tokens'));
    const sealedNew = await rotated.seal('tokens', { b: 2 });
    expect(await retired.open('tokens', sealedNew)).toEqual({ b: 2 });
    expect(await old.open('tokens', sealedNew)).toBeUndefined();
  });

  it('never opens a value sealed for another purpose, nor a tampered one', async () => {
    const keys = createSecretKeys(readSecrets(GOOD));
    const sealed = await keys.seal('pending-login', { state: 's' });
    expect(await keys.open('tokens', sealed)).toBeUndefined();
    expect(keys.knowsKey('tokens', keys.sealingKeyId('pending-login'))).toBe(false);
    const parts = sealed.split('.');
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    parts[3] = flipped;
    expect(await keys.open('pending-login', parts.join('.'))).toBeUndefined();
    expect(await keys.open('pending-login', 'x'.repeat(300_000))).toBeUndefined();
  });
});
