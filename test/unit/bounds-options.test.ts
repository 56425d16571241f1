// The options that bound what the package waits for and reads: maxResponseBytes (middleware and
// token client), storeTimeout, and boundSessionStore(); each refused at creation with the fix.
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { boundSessionStore, createTokenClient, oauthMiddleware } from '../../src/index.js';
import type { OAuthOptions, OAuthTokenClientOptions } from '../../src/index.js';
import { TEST_SECRET } from '../helpers/app.js';

const valid: OAuthOptions = {
  issuer: 'https://op.example.com',
  clientId: 'client',
  clientSecret: 'secret',
  baseURL: 'https://app.example.com',
  secret: TEST_SECRET,
};

function create(options: Record<string, unknown>): () => unknown {
  return () => oauthMiddleware({ ...valid, ...options } as unknown as OAuthOptions);
}

const refused = (message: string) =>
  expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message });

const BYTES =
  '"options.maxResponseBytes" must be a whole number of bytes >= 1024 (default 1048576, 1 MiB)';

describe('maxResponseBytes', () => {
  it('accepts a whole number of bytes from 1024', () => {
    expect(typeof oauthMiddleware({ ...valid, maxResponseBytes: 1024 })).toBe('function');
    expect(typeof oauthMiddleware({ ...valid, maxResponseBytes: 8 * 1024 * 1024 })).toBe(
      'function',
    );
  });

  it.each([1023, 0, 1.5, '1MB', Number.POSITIVE_INFINITY])('refuses %s', (value) => {
    expect(create({ maxResponseBytes: value })).toThrow(refused(BYTES));
  });

  it('hints at maxResponseBytes when it is misspelt', () => {
    expect(create({ maxResponseByte: 2048 })).toThrow(
      refused('unknown option "maxResponseByte"; did you mean "maxResponseBytes"?'),
    );
  });

  it('is an option of the token client too', () => {
    const options = {
      grant: 'client_credentials',
      tokenEndpoint: 'https://auth.example.com/token',
      clientId: 'c',
      clientSecret: 's',
    } as const;
    expect(createTokenClient({ ...options, maxResponseBytes: 2048 }).grant).toBe(
      'client_credentials',
    );
    expect(() =>
      createTokenClient({ ...options, maxResponseBytes: 10 } as OAuthTokenClientOptions),
    ).toThrow(refused(BYTES));
  });
});

describe('storeTimeout', () => {
  it.each([0, -1, 'soon'])('refuses %s', (value) => {
    expect(create({ storeTimeout: value })).toThrow(
      refused('"options.storeTimeout" must be a finite number >= 1'),
    );
  });

  it('hints at storeTimeout when it is misspelt', () => {
    expect(create({ storeTimout: 100 })).toThrow(
      refused('unknown option "storeTimout"; did you mean "storeTimeout"?'),
    );
  });
});

describe('boundSessionStore()', () => {
  it('wraps an express-session store', () => {
    const store = boundSessionStore(new session.MemoryStore(), { timeout: 100 });
    expect(typeof store.get).toBe('function');
  });

  it('refuses what is not a store, and a timeout that is not a number of milliseconds', () => {
    expect(() => boundSessionStore({} as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(() => boundSessionStore(new session.MemoryStore(), { timeout: 0 })).toThrow(
      refused(
        '"options.timeout" of boundSessionStore() must be a finite number >= 1 (milliseconds)',
      ),
    );
  });

  it('passes the answers of the store through, and its failures as OAUTH_STORE_UNAVAILABLE', async () => {
    const inner = new session.MemoryStore();
    const store = boundSessionStore(inner, { timeout: 1_000 });
    const data = { cookie: { originalMaxAge: null } } as never;
    await new Promise<void>((resolve, reject) =>
      store.set('sid', data, (err) => (err ? reject(err as Error) : resolve())),
    );
    const read = await new Promise((resolve) => store.get('sid', (_err, value) => resolve(value)));
    expect(read).toMatchObject({ cookie: {} });
    inner.get = (_sid, callback) => callback(new Error('connection lost'));
    const failed = await new Promise((resolve) => store.get('sid', (err) => resolve(err)));
    expect(failed).toMatchObject({
      name: 'OAuthError',
      code: 'OAUTH_STORE_UNAVAILABLE',
      status: 503,
      retryAfter: 1,
    });
  });
});
