// Property-based fuzzing of GET /login, GET /callback and POST /logout (security issue: "never a
// 500, never an unhandled rejection, never a stack trace, never a session for an unauthenticated
// request"). Real HTTP on 127.0.0.1 against the scripted provider. FUZZ_SEED=<n> replays a run
// (fast-check prints the seed and path of any failure); FUZZ_SCALE=<x> multiplies every numRuns.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import escapeHtml from 'escape-html';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(numRuns * scale)),
  ...(seed === undefined ? {} : { seed }),
});

let provider: ScriptedProvider;
let app: TestApp;
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

// ---------------------------------------------------------------------------------------------
// Raw HTTP: the request target is sent as built, not normalised by a URL parser.
// ---------------------------------------------------------------------------------------------

interface RawRequest {
  method?: string;
  /** Request target; see toTarget() for the characters Node cannot send. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(request: RawRequest): Promise<RawResponse> {
  const body = request.body;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port: app.port,
        agent: keepAlive,
        method: request.method ?? 'GET',
        path: request.path,
        headers: {
          ...request.headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      },
    );
    // The app may answer before reading a huge body; a write error after the answer is not ours.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.end(body);
  });
}

const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');

/**
 * Node's client refuses a request target with characters outside \x21-\xff
 * (ERR_UNESCAPED_CHARACTERS), and its server answers 400 itself, before Express, to \x7f-\xff. So
 * every character outside \x21-\x7e is percent-encoded (as UTF-8; a lone surrogate becomes
 * U+FFFD): browsers do the same, and the app sees the adversarial text decoded.
 */
const toTarget = (raw: string): string => raw.replace(/[^\x21-\x7e]/gu, percentEncode);

/** Node refuses header values with controls other than tab, or characters above \xff. */
const toHeaderValue = (raw: string): string =>
  Buffer.from(raw, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

const cookieOf = (response: RawResponse): string | undefined =>
  response.headers['set-cookie']?.map((cookie) => cookie.split(';')[0]).join('; ');

interface SessionView {
  oauth: { user?: unknown; tokens?: unknown; transactions?: Record<string, { returnTo: string }> };
}

async function sessionOf(cookie: string): Promise<SessionView> {
  const response = await send({ path: '/session', headers: { cookie: toHeaderValue(cookie) } });
  expect(response.status, 'GET /session').toBe(200);
  const view = JSON.parse(response.body) as { oauth: SessionView['oauth'] | null };
  return { oauth: view.oauth ?? {} };
}

const isSignedIn = (view: SessionView): boolean =>
  view.oauth.user !== undefined || view.oauth.tokens !== undefined;

// ---------------------------------------------------------------------------------------------
// The properties every response must keep.
// ---------------------------------------------------------------------------------------------

const STACK_TRACE = [/at .+:\d+:\d+/, /node_modules/, /\.ts:/];

/**
 * The error pages quote a few request values (a parameter name, the provider's `error` and
 * `error_description`). Those quotes are blanked before looking for a stack trace, so a fuzzed
 * `error_description=at x:1:2` is not mistaken for one; quotes under 3 characters stay, as they
 * cannot hold a match on their own and blanking them could hide a real trace.
 */
function echoesOf(target: string): string[] {
  const query = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
  const texts = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    for (const text of [name, name.slice(0, 40), value]) {
      for (const form of [text, escapeHtml(text), JSON.stringify(text).slice(1, -1)]) {
        texts.add(Buffer.from(form, 'utf8').toString('utf8'));
      }
    }
  }
  return [...texts].filter((text) => text.length >= 3).sort((a, b) => b.length - a.length);
}

function expectNoStackTrace(response: RawResponse, target: string): void {
  let visible = response.body;
  for (const echo of echoesOf(target)) visible = visible.split(echo).join('\u2400');
  for (const pattern of STACK_TRACE) {
    expect(visible, `stack trace in the response: ${response.body.slice(0, 300)}`).not.toMatch(
      pattern,
    );
  }
}

/** A redirect goes to the app itself or to the provider's authorize / end-session endpoints. */
function expectSafeLocation(response: RawResponse): void {
  const location = response.headers.location;
  if (location === undefined) return;
  const url = new URL(location, app.url);
  const allowed = [`${app.url}/`, provider.url('/authorize?'), provider.url('/end-session')];
  expect(
    allowed.some((prefix) => url.href.startsWith(prefix)),
    `redirect to ${location}`,
  ).toBe(true);
}

const errorCodeOf = (body: string): string | undefined =>
  /"code":"(OAUTH_[A-Z_]+)"|Error code: <code>(OAUTH_[A-Z_]+)<\/code>/
    .exec(body)
    ?.slice(1)
    .find(Boolean);

const describeExchange = (request: RawRequest, response: RawResponse): string =>
  `${request.method ?? 'GET'} ${request.path.slice(0, 200)} -> ${response.status} ${response.body.slice(0, 300)}`;

/**
 * No 5xx unless `allow5xx` says the provider caused it, no stack trace, a safe redirect. The
 * provider is up and honest, so only a request that reached its token endpoint may see one.
 */
function expectWellBehaved(
  request: RawRequest,
  response: RawResponse,
  allow5xx: (response: RawResponse) => boolean = () => false,
): void {
  if (response.status >= 500) {
    expect(allow5xx(response), describeExchange(request, response)).toBe(true);
  }
  expectNoStackTrace(response, request.path);
  expectSafeLocation(response);
}

/**
 * Sends a request of a client that holds no signed-in session and checks everything the issue
 * asks for, including that neither the cookie it set nor the cookie it sent is signed in.
 */
async function sendUnauthenticated(request: RawRequest): Promise<RawResponse> {
  const response = await send(request);
  expectWellBehaved(request, response);
  const where = describeExchange(request, response);
  for (const cookie of [cookieOf(response), request.headers?.cookie]) {
    if (cookie !== undefined && cookie !== '') {
      expect(isSignedIn(await sessionOf(cookie)), `signed in after ${where}`).toBe(false);
    }
  }
  return response;
}

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

const NAMES = [
  'state',
  'code',
  'iss',
  'error',
  'error_description',
  'error_uri',
  'returnTo',
  'returnto',
  'session_state',
  'response',
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'state[]',
  'state[0]',
  'state[a]',
  'code[]',
  'returnTo[]',
  'returnTo[0]',
  '__proto__',
  '__proto__[state]',
  'constructor',
  'constructor[prototype][x]',
  'prototype',
  'hasOwnProperty',
  '%73tate',
  'STATE',
  'sta+te',
  '',
];

const VALUES = [
  '',
  '/',
  '/ok',
  '/path?q=1#h',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java%0Ascript:alert(1)',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'https:evil.example',
  'https://evil.example/',
  '%2F%2Fevil.example',
  '%252F%252Fevil.example',
  '/%09/evil.example',
  '/%5Cevil.example',
  '%E0%A4%A',
  '%',
  '%%',
  '%zz',
  '%00',
  '%FF',
  '%C0%AF',
  '%ED%A0%80',
  '__proto__',
  'constructor',
  'access_denied',
  'invalid_request',
  '<script>alert(1)</script>',
  '"\'><img src=x onerror=alert(1)>',
  'a'.repeat(4096),
  'a'.repeat(4097),
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const delimiters = fc.constantFrom(...'%&=;[]#?+/\\.:@"\'<>{}`|^ \t\r\n\0'.split(''));

/** Short adversarial text: unicode, raw bytes, delimiters, percent soup, or a long run. */
const text = fc.oneof(
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
const query = fc.oneof(
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

const formEncode = (value: string): string => value.replace(/[^A-Za-z0-9\-._~]/gu, percentEncode);

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

const withQuery = (route: string): fc.Arbitrary<string> =>
  fc
    .tuple(pathVariant(route), fc.option(QUERIES[route]!, { freq: 8, nil: undefined }))
    .map(([path, q]) => toTarget(q === undefined ? path : `${path}?${q}`));

/** Cookies of the fixture, set in beforeAll: a signed-in victim's and a pending login's. */
const fixture = { victimCookie: '', pendingCookie: '', forged: [] as string[] };

/** Every forgery of the victim's signed cookie that must be worthless; never the cookie itself. */
function forgeries(victim: string, pending: string): string[] {
  const signed = (cookie: string): [string, string] => {
    const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).slice(2);
    const dot = value.lastIndexOf('.');
    return [value.slice(0, dot), value.slice(dot + 1)];
  };
  const [id, signature] = signed(victim);
  const [otherId, otherSignature] = signed(pending);
  const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  return [
    `connect.sid=${id}`,
    `connect.sid=s%3A${id}`,
    `connect.sid=s%3A${id}.`,
    `connect.sid=s%3A${id}.${otherSignature}`,
    `connect.sid=s%3A${otherId}.${signature}`,
    `connect.sid=s%3A${id}.${signature.slice(0, -1)}`,
    `connect.sid=s%3A${id}.${flip(signature)}`,
    `connect.sid=s%3A${flip(id)}.${signature}`,
    `connect.sid=s%3A${id.toUpperCase()}.${signature}`,
    `Connect.sid=s%3A${id}.${flip(signature)}`,
    `connect.sid=s%3A${id}.${signature}${signature}`,
  ].filter((forged) => decodeURIComponent(forged) !== decodeURIComponent(victim));
}

const cookie = fc.oneof(
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
const headers = (cookies = cookie): fc.Arbitrary<Record<string, string>> =>
  fc
    .record(
      {
        host: fc.oneof(
          fc.constantFrom('evil.example', '127.0.0.1:1', 'localhost', '[::1]'),
          headerValue,
        ),
        'x-forwarded-host': headerValue,
        'x-forwarded-proto': fc.oneof(fc.constantFrom('https', 'http', 'javascript'), headerValue),
        origin: fc.oneof(fc.constantFrom(app.url, `${app.url}.evil.example`), headerValue),
        referer: fc.oneof(fc.constantFrom(`${app.url}/`, `${app.url}@evil.example/`), headerValue),
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

/**
 * What the README promises for logout: `Sec-Fetch-Site`, else `Origin`, else `Referer` decides;
 * a request with none of them is not a browser page's. (Node's parser trims header values.)
 */
function isSameOrigin(sent: Record<string, string>): boolean {
  const get = (name: string): string | undefined => sent[name]?.replace(/^[\t ]+|[\t ]+$/g, '');
  const [site, origin, referer] = [get('sec-fetch-site'), get('origin'), get('referer')];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  if (origin !== undefined) return origin === app.url;
  if (referer !== undefined) return URL.canParse(referer) && new URL(referer).origin === app.url;
  return true;
}

const body = fc.oneof(
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

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

// ---------------------------------------------------------------------------------------------
// Fixture.
// ---------------------------------------------------------------------------------------------

interface PendingLogin {
  cookie: string;
  /** The provider's redirect back: the honest callback's parameters. */
  params: URLSearchParams;
}

async function startPendingLogin(returnTo?: string): Promise<PendingLogin> {
  const login = await send({
    path: returnTo === undefined ? '/login' : `/login?returnTo=${encodeURIComponent(returnTo)}`,
  });
  expect(login.status, login.body).toBe(303);
  const callback = await authorize(provider, login.headers.location!);
  return { cookie: cookieOf(login)!, params: callback.searchParams };
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  provider = await startScriptedProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      timeout: 2_000,
    }),
  });
  const victim = await startPendingLogin('/victim');
  const signedIn = await send({
    path: `/callback?${victim.params}`,
    headers: { cookie: victim.cookie },
  });
  expect(signedIn.status, signedIn.body).toBe(303);
  fixture.victimCookie = cookieOf(signedIn)!;
  expect(isSignedIn(await sessionOf(fixture.victimCookie))).toBe(true);
  fixture.pendingCookie = (await startPendingLogin()).cookie;
  fixture.forged = forgeries(fixture.victimCookie, fixture.pendingCookie);
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  keepAlive.destroy();
  await app?.close();
  await provider?.close();
});

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

describe('fuzzing the routes with adversarial requests', () => {
  it('GET /callback with any query string, headers and cookie: no 5xx, no trace, no session', async () => {
    // The pending login's cookie takes the callback to its transactions (state mismatch).
    const cookies = fc.oneof(
      cookie,
      fc.constant(null).map(() => fixture.pendingCookie),
    );
    await fc.assert(
      fc.asyncProperty(withQuery('/callback'), headers(cookies), async (path, sent) => {
        await sendUnauthenticated({ path, headers: sent });
      }),
      runs(700),
    );
  }, 60_000);

  it('GET /login with any query string and headers: a same-origin returnTo or an error', async () => {
    await fc.assert(
      fc.asyncProperty(withQuery('/login'), headers(), async (path, sent) => {
        const response = await sendUnauthenticated({ path, headers: sent });
        const issued = cookieOf(response);
        if (response.status !== 303 || issued === undefined) return;
        const { transactions = {} } = (await sessionOf(issued)).oauth;
        for (const { returnTo } of Object.values(transactions)) {
          expect(returnTo, `returnTo stored for ${path.slice(0, 200)}`).toMatch(
            /^\/(?![/\\])[\x21-\x7e]*$/,
          );
          expect(new URL(returnTo, 'https://app.example').origin).toBe('https://app.example');
        }
      }),
      runs(300),
    );
  }, 60_000);

  it('POST /logout with any origin headers, cookie and body: cross-site requests are refused', async () => {
    await fc.assert(
      fc.asyncProperty(withQuery('/logout'), headers(), body, async (path, sent, payload) => {
        const response = await sendUnauthenticated({
          method: 'POST',
          path,
          headers: payload === undefined ? sent : { ...sent, 'content-type': payload.type },
          ...(payload === undefined ? {} : { body: payload.body }),
        });
        if (response.status === 303) {
          expect(isSameOrigin(sent), `logout accepted from ${JSON.stringify(sent)}`).toBe(true);
        }
      }),
      runs(300),
    );
  }, 60_000);

  it('any method, headers and body on /login, /callback and /logout: no 5xx, no trace, no session', async () => {
    const request = fc.record({
      method: fc.constantFrom(...METHODS),
      path: fc.oneof(withQuery('/login'), withQuery('/callback'), withQuery('/logout')),
      headers: headers(),
      body,
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers: sent, body: payload }) => {
        await sendUnauthenticated({
          method,
          path,
          headers: payload === undefined ? sent : { ...sent, 'content-type': payload.type },
          ...(payload === undefined ? {} : { body: payload.body }),
        });
      }),
      runs(600),
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// A real pending login, then a tampered callback.
// ---------------------------------------------------------------------------------------------

const FIELDS = ['state', 'code', 'iss'] as const;
type Field = (typeof FIELDS)[number];

/** Codes of failures that come from talking to the provider (502, 503, 504 by the README). */
const PROVIDER_FACING = new Set([
  'OAUTH_PROVIDER_ERROR',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_ID_TOKEN_INVALID',
  'OAUTH_PROVIDER_UNAVAILABLE',
  'OAUTH_PROVIDER_TIMEOUT',
  'OAUTH_RATE_LIMITED',
]);

const field = fc.constantFrom(...FIELDS);
const tamper = fc.oneof(
  fc.record({
    kind: fc.constant('replace'),
    field,
    value: fc.oneof(
      fc.constantFrom('attacker', 'truncate', 'append', 'upper', 'encoded', 'empty'),
      text,
    ),
  }),
  fc.record({ kind: fc.constant('delete'), field }),
  fc.record({ kind: fc.constant('duplicate'), field, same: fc.boolean() }),
  fc.record({ kind: fc.constant('bracket'), field, suffix: fc.constantFrom('[]', '[0]', '[a]') }),
  fc.record({
    kind: fc.constant('add'),
    name: fc.oneof(
      fc.constantFrom(
        'error',
        'error_description',
        'access_token',
        'id_token',
        'token',
        'response',
      ),
      fc.constantFrom('__proto__', 'constructor', 'session_state', 'foo'),
      text,
    ),
    value: fc.oneof(fc.constantFrom(...VALUES), text),
  }),
  fc.record({
    kind: fc.constant('cookie'),
    use: fc.constantFrom('none', 'attacker', 'forged'),
    i: fc.nat(),
  }),
);
type Tamper = typeof tamper extends fc.Arbitrary<infer T> ? T : never;

interface Entry {
  name: string;
  value: string;
  /** Percent-encode every character: the same parameter, spelled differently. */
  spelled?: boolean;
}

function replacement(entry: Entry, how: string, attacker: PendingLogin): Entry {
  const name = entry.name;
  switch (how) {
    case 'attacker':
      return { name, value: attacker.params.get(name) ?? '' };
    case 'truncate':
      return { name, value: entry.value.slice(0, -1) };
    case 'append':
      return { name, value: `${entry.value}A` };
    case 'upper':
      return {
        name,
        value:
          entry.value.toUpperCase() === entry.value
            ? entry.value.toLowerCase()
            : entry.value.toUpperCase(),
      };
    case 'encoded':
      return { name, value: entry.value, spelled: true };
    case 'empty':
      return { name, value: '' };
    default:
      return { name, value: how };
  }
}

/** The victim's honest callback with the tampering applied, and the cookie it is sent with. */
function tamperedCallback(
  victim: PendingLogin,
  attacker: PendingLogin,
  tampers: Tamper[],
): { query: string; cookie: string | undefined } {
  let entries: Entry[] = [...victim.params].map(([name, value]) => ({ name, value }));
  let cookie: string | undefined = victim.cookie;
  const is = (name: Field) => (entry: Entry) => entry.name === name;
  for (const t of tampers) {
    if (t.kind === 'replace') {
      entries = entries.map((e) => (is(t.field)(e) ? replacement(e, t.value, attacker) : e));
    } else if (t.kind === 'delete') {
      entries = entries.filter((e) => !is(t.field)(e));
    } else if (t.kind === 'duplicate') {
      const value = t.same ? entries.find(is(t.field))?.value : attacker.params.get(t.field);
      entries.push({ name: t.field, value: value ?? '' });
    } else if (t.kind === 'bracket') {
      entries = entries.map((e) => (is(t.field)(e) ? { ...e, name: `${e.name}${t.suffix}` } : e));
    } else if (t.kind === 'add') {
      entries.push({ name: t.name, value: t.value });
    } else {
      const forged = fixture.forged[t.i % fixture.forged.length]!;
      cookie = { none: undefined, attacker: attacker.cookie, forged }[t.use];
    }
  }
  const query = entries
    .map((e) =>
      e.spelled
        ? `${percentEncode(e.name)}=${percentEncode(e.value)}`
        : `${formEncode(e.name)}=${formEncode(e.value)}`,
    )
    .join('&');
  return { query, cookie };
}

/** The exact honest callback of `login`: its browser, its state, code and iss once each, no error. */
function isHonestCallback(login: PendingLogin, cookie: string | undefined, query: string): boolean {
  if (cookie !== login.cookie) return false;
  const params = new URLSearchParams(query);
  const names = [...params.keys()];
  const repeated = new Set(names).size !== names.length;
  if (repeated || names.some((name) => /[[\]]/.test(name))) return false;
  // An empty `error` is no error (oauth4webapi reads it as absent), so it does not make it dishonest.
  if (
    params.get('error') ||
    ['access_token', 'id_token', 'refresh_token'].some((n) => params.has(n))
  ) {
    return false;
  }
  return FIELDS.every((name) => params.get(name) === login.params.get(name));
}

describe('fuzzing the callback of a real pending login', () => {
  it('signs in only on the exact honest callback, whatever else is tampered with', async () => {
    const tampering = fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Tamper[]) },
      { weight: 9, arbitrary: fc.array(tamper, { minLength: 1, maxLength: 4 }) },
    );
    const accept = fc.constantFrom('text/html', 'application/json', '*/*');
    await fc.assert(
      fc.asyncProperty(tampering, accept, async (tampers, acceptHeader) => {
        const victim = await startPendingLogin();
        const attacker = await startPendingLogin();
        const { query, cookie } = tamperedCallback(victim, attacker, tampers);
        const request: RawRequest = {
          path: toTarget(`/callback?${query}`),
          headers: { accept: acceptHeader, ...(cookie === undefined ? {} : { cookie }) },
        };
        const tokenRequests = provider.count('/token');
        const response = await send(request);
        const contactedProvider = provider.count('/token') > tokenRequests;
        expectWellBehaved(
          request,
          response,
          (r) =>
            contactedProvider &&
            [502, 503, 504].includes(r.status) &&
            PROVIDER_FACING.has(errorCodeOf(r.body) ?? ''),
        );
        const where = describeExchange(request, response);
        // The session id changes at sign-in: the cookie sent along is never the signed-in one.
        if (cookie !== undefined) {
          expect(isSignedIn(await sessionOf(cookie)), `fixation: ${where}`).toBe(false);
        }
        const issued = cookieOf(response);
        const signedIn = issued !== undefined && isSignedIn(await sessionOf(issued));
        if (signedIn) {
          const honest = [victim, attacker].some((login) => isHonestCallback(login, cookie, query));
          expect(honest, `signed in by a tampered callback: ${where}`).toBe(true);
          expect(response.status, where).toBe(303);
        }
        if (tampers.length === 0) expect(signedIn, `honest callback refused: ${where}`).toBe(true);
      }),
      {
        ...runs(200),
        // Always tried first: the control, then callbacks any browser can forge, which must not
        // be blamed on the provider with a 502 (`response` is JARM's, `token` the implicit
        // flow's, and a missing `code` is the URL's fault): the provider is never asked.
        examples: [
          [[], 'text/html'],
          [[{ kind: 'add', name: 'response', value: 'x' }], 'application/json'],
          [[{ kind: 'add', name: 'token', value: '' }], 'application/json'],
          [[{ kind: 'delete', field: 'code' }], 'application/json'],
        ],
      },
    );
  }, 60_000);
});

describe('after the fuzzing', () => {
  it('left no unhandled rejection, no internal error, and the app and the victim intact', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
    expect(app.logs.filter((line) => line.includes('unexpected failure'))).toEqual([]);
    const home = await send({ path: '/', headers: { cookie: fixture.victimCookie } });
    expect(home.status).toBe(200);
    // No forged cookie, logout or callback above could end or change the victim's session.
    expect(JSON.parse(home.body)).toMatchObject({ signedIn: true, user: { sub: 'alice' } });
  });
});
