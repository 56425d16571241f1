import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/routes/return-to.js';

describe('safeReturnTo', () => {
  it.each(['/', '/me', '/me?tab=1#top', '/search?q=a%20b', '/a/b/c'])(
    'keeps the same-origin path %s',
    (path) => {
      expect(safeReturnTo(path)).toBe(path);
    },
  );

  it.each([
    ['protocol-relative', '//evil.example'],
    ['backslash', '/\\evil.example'],
    ['scheme-relative', 'https:evil.example'],
    ['absolute', 'https://evil.example/'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['encoded slashes', '/%2F%2Fevil.example'],
    ['encoded slashes without leading slash', '%2F%2Fevil.example'],
    ['double-encoded slashes', '/%252F%252Fevil.example'],
    ['encoded backslash', '/%5Cevil.example'],
    ['tab between slashes', '/\t/evil.example'],
    ['newline between slashes', '/\n/evil.example'],
    ['relative path', 'me'],
    ['empty', ''],
    ['malformed encoding', '/%E0%A4%A'],
  ])('falls back to / for %s', (_name, value) => {
    expect(safeReturnTo(value)).toBe('/');
  });

  it.each([undefined, null, 42, ['/me'], { path: '/me' }])(
    'falls back to / for the non-string %j',
    (value) => {
      expect(safeReturnTo(value)).toBe('/');
    },
  );

  it('falls back to / for an oversized value', () => {
    expect(safeReturnTo(`/${'a'.repeat(5000)}`)).toBe('/');
  });

  it('resolves dot segments so the result stays a plain path', () => {
    expect(safeReturnTo('/a/../../b')).toBe('/b');
  });
});
