/**
 * Tampering with the honest callback of a real pending login: the tampering generator, applying
 * it, and which tampered callbacks are still the honest one.
 */
import fc from 'fast-check';

import { VALUES } from './dictionary.js';
import { text } from './arbitraries.js';
import type { PendingLogin } from './fixture.js';
import { formEncode, percentEncode } from './raw-http.js';

const FIELDS = ['state', 'code', 'iss'] as const;
type Field = (typeof FIELDS)[number];

const field = fc.constantFrom(...FIELDS);
/** One change to the victim's callback, or to the cookie it is sent with. */
export const tamper = fc.oneof(
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
export type Tamper = typeof tamper extends fc.Arbitrary<infer T> ? T : never;

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

/**
 * The victim's honest callback with the tampering applied, and the cookie it is sent with;
 * a 'cookie' tampering picks one of `forgeries` of the victim's cookie.
 */
export function tamperedCallback(
  victim: PendingLogin,
  attacker: PendingLogin,
  tampers: Tamper[],
  forgeries: readonly string[],
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
      const forged = forgeries[t.i % forgeries.length]!;
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
export function isHonestCallback(
  login: PendingLogin,
  cookie: string | undefined,
  query: string,
): boolean {
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
