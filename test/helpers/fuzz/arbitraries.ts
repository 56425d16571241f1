/** fast-check generators of adversarial request targets, cookies, headers and bodies. */
import fc from 'fast-check';

import { NAMES, VALUES } from './dictionary.js';
import type { FuzzFixture } from './fixture.js';
import { formEncode, percentEncode, toHeaderValue, toTarget } from './raw-http.js';

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const delimiters = fc.constantFrom(...'%&=;[]#?+/\\.:@"\'<>{}`|^ \t\r\n\0'.split(''));

/** Short adversarial text: unicode, raw bytes, delimiters, percent soup, or a long run. */
export const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 3, arbitrary: fc.string({ unit: fc.oneof(delimiters, loneSurrogate), maxLength: 16 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[a-z]){1,12}$/) },
  // Long, yet mostly under Node's 16 KiB header limit (beyond it Node answers 431 itself).
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 6_000 }).map((n) => 'x'.repeat(n)) },
);

const param = fc.record({
  name: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: text },
  ),
  value: fc.oneof(fc.constantFrom(...VALUES), text),
  /** Raw (the target encoder handles the unsendable characters) or percent-encoded as a whole. */
  encoded: fc.boolean(),
  shape: fc.constantFrom('name=value', 'name=value', 'name=value', 'name', 'name=', '=value'),
});

type Param = typeof param extends fc.Arbitrary<infer P> ? P : never;

function formatParam({ name, value, encoded, shape }: Param): string {
  const [n, v] = encoded ? [percentEncode(name), percentEncode(value)] : [name, value];
  return shape.replace('name', n).replace('value', v);
}

/** A query string: structured parameters with duplicates, or garbage, or too many parameters. */
export const query = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(param, { maxLength: 10 }), fc.constantFrom('&', '&', ';', '&&'))
      .map(([params, separator]) => params.map(formatParam).join(separator)),
  },
  { weight: 1, arbitrary: text },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 30, max: 40 })
      .map((n) => Array.from({ length: n }, (_, i) => `p${i}=v`).join('&')),
  },
);

/** Callback-shaped: one `state` (often a prototype key), maybe `code` and `iss`, a few extras. */
const callbackQuery = fc
  .record({
    state: fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'x'),
      text,
    ),
    code: fc.option(fc.oneof(fc.constantFrom(...VALUES), text), { nil: undefined }),
    iss: fc.option(fc.oneof(fc.constantFrom(...VALUES), text), { nil: undefined }),
    extra: fc.array(param, { maxLength: 3 }),
  })
  .map(({ state, code, iss, extra }) =>
    [
      `state=${formEncode(state)}`,
      ...(code === undefined ? [] : [`code=${formEncode(code)}`]),
      ...(iss === undefined ? [] : [`iss=${formEncode(iss)}`]),
      ...extra.map(formatParam),
    ].join('&'),
  );

/** returnTo-shaped: one `returnTo`, raw or encoded, maybe among other parameters. */
const loginQuery = fc
  .record({ returnTo: fc.oneof(fc.constantFrom(...VALUES), text), encoded: fc.boolean() })
  .chain(({ returnTo, encoded }) =>
    fc
      .array(param, { maxLength: 2 })
      .map((extra) =>
        [`returnTo=${encoded ? formEncode(returnTo) : returnTo}`, ...extra.map(formatParam)].join(
          '&',
        ),
      ),
  );

const QUERIES: Record<string, fc.Arbitrary<string>> = {
  '/callback': fc.oneof(query, callbackQuery),
  '/login': fc.oneof(query, loginQuery),
  '/logout': query,
};

const pathVariant = (route: string): fc.Arbitrary<string> =>
  fc.constantFrom(route, route, route, `${route}/`, route.toUpperCase());

/** A request target for `route`, its spelling varied, usually with an adversarial query. */
export const withQuery = (route: string): fc.Arbitrary<string> =>
  fc
    .tuple(pathVariant(route), fc.option(QUERIES[route]!, { freq: 8, nil: undefined }))
    .map(([path, q]) => toTarget(q === undefined ? path : `${path}?${q}`));

/** Cookie headers: noise, broken session cookies, forgeries of the victim's, a pending login's. */
export const cookieHeader = (fixture: FuzzFixture): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: text },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'connect.sid=',
        'connect.sid=s%3A',
        'connect.sid=s:abc.def',
        'connect.sid=%E0%A4%A',
        'connect.sid=s%3A__proto__.x',
        'connect.sid=constructor',
        '__proto__=x; connect.sid=y',
        'connect.sid=a; connect.sid=b',
        `connect.sid=${'x'.repeat(5000)}`,
      ),
    },
    // Mapped when generated, after beforeAll has filled the fixture.
    { weight: 3, arbitrary: fc.nat().map((i) => fixture.forged[i % fixture.forged.length]!) },
    { weight: 1, arbitrary: fc.constant(null).map(() => fixture.pendingCookie) },
  );

const headerValue = fc.oneof(
  fc.constantFrom('', 'null', 'evil.example', 'http://evil.example'),
  text,
);

/** Random request headers; the origin-bearing ones also take the app's own origin. */
export const headers = (
  appUrl: string,
  cookies: fc.Arbitrary<string>,
): fc.Arbitrary<Record<string, string>> =>
  fc
    .record(
      {
        host: fc.oneof(
          fc.constantFrom('evil.example', '127.0.0.1:1', 'localhost', '[::1]'),
          headerValue,
        ),
        'x-forwarded-host': headerValue,
        'x-forwarded-proto': fc.oneof(fc.constantFrom('https', 'http', 'javascript'), headerValue),
        origin: fc.oneof(fc.constantFrom(appUrl, `${appUrl}.evil.example`), headerValue),
        referer: fc.oneof(fc.constantFrom(`${appUrl}/`, `${appUrl}@evil.example/`), headerValue),
        'sec-fetch-site': fc.oneof(
          fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'SAME-ORIGIN'),
          headerValue,
        ),
        accept: fc.oneof(
          fc.constantFrom('text/html', 'application/json', '*/*', 'text/html;q=0, */*;q=0'),
          headerValue,
        ),
        cookie: cookies,
        'x-fuzz': text,
      },
      { requiredKeys: [] },
    )
    .map((record) =>
      Object.fromEntries(
        Object.entries(record).map(([name, value]) => [name, toHeaderValue(value)]),
      ),
    );

/** Request bodies: none, forms, JSON (prototype pollution included), junk, a huge one. */
export const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: query.map((q) => ({ type: 'application/x-www-form-urlencoded', body: q })),
  },
  { weight: 2, arbitrary: fc.json().map((json) => ({ type: 'application/json', body: json })) },
  {
    weight: 1,
    arbitrary: fc.constant({
      type: 'application/json',
      body: '{"__proto__":{"user":{"sub":"x"}}}',
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc
        .oneof(fc.constantFrom('text/plain', 'multipart/form-data; boundary=x'), headerValue)
        .map(toHeaderValue),
      body: fc.string({ unit: 'binary', maxLength: 200 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100_000, max: 1_000_000 })
      .map((n) => ({ type: 'application/x-www-form-urlencoded', body: `state=${'x'.repeat(n)}` })),
  },
);

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
