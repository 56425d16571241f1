import type { Request } from 'express';
import type { OAuthUser } from '../session/user.js';
import {
  invalid,
  readBoolean,
  readFunction,
  readOptionsObject,
  rejectUnknownKeys,
} from './readers.js';

/** Extra conditions a signed-in user must meet; a user who fails one gets 403. */
export interface RequireAuthOptions {
  /** Scopes the access token must have been granted (all of them). */
  scopes?: string | readonly string[];
  /**
   * Claims the user must have, each equal to the value given (or containing it, for array claims).
   */
  claims?: Readonly<Record<string, string | number | boolean>>;
  /** Any other rule, given the user and the request. */
  check?: (user: OAuthUser, req: Request) => boolean | Promise<boolean>;
  /**
   * Send browsers without a session to log in. Default `true`; `false` answers 401 JSON to
   * everyone, as an API route should even when a browser opens it.
   */
  redirect?: boolean;
  /**
   * Try a silent login (`prompt=none`) once per browser session before sending a signed-out
   * browser to log in: a user still signed in at the provider comes back signed in, without a
   * page; one who is not comes back to this route, signed out, with no error page. Default: the
   * middleware's `silentLogin` option.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
   */
  silent?: boolean;
  /**
   * The sign-in must carry one of these `acr` values (authentication context classes, e.g. a
   * phishing-resistant one). A browser whose sign-in falls short is sent back to the provider with
   * `acr_values`, keeping where it was going; the callback checks the `acr` delivered. An API
   * request gets 401 with the RFC 9470 challenge. After one attempt that the provider could not
   * satisfy, the answer is a 403 page, never a loop.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9470
   */
  acr?: string | readonly string[];
  /**
   * Seconds since the user last authenticated at the provider (`auth_time`). An older sign-in is
   * sent back with `max_age` and `prompt=login`, as for `acr`.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
   */
  maxAge?: number;
}

/** `requireAuth()` options after validation; internal. */
export interface ResolvedRequireAuth {
  readonly scopes: readonly string[];
  readonly claims: readonly (readonly [string, string | number | boolean])[];
  readonly check: RequireAuthOptions['check'];
  readonly redirect: boolean;
  /** `undefined`: as the middleware's `silentLogin` says. */
  readonly silent: boolean | undefined;
  readonly acr: readonly string[] | undefined;
  /** Seconds. */
  readonly maxAge: number | undefined;
}

const OWNER = 'requireAuth() options';

const KEYS = [
  'scopes',
  'claims',
  'check',
  'redirect',
  'silent',
  'acr',
  'maxAge',
] as const satisfies readonly (keyof RequireAuthOptions)[];

const everyKeyListed: Record<Exclude<keyof RequireAuthOptions, (typeof KEYS)[number]>, never> = {};
void everyKeyListed;

function readScopes(value: unknown): string[] {
  if (value === undefined) return [];
  const list =
    typeof value === 'string'
      ? value.split(' ')
      : Array.isArray(value) && value.every((scope) => typeof scope === 'string')
        ? (value as string[])
        : undefined;
  if (list === undefined) throw invalid('scopes', 'a string or an array of strings', OWNER);
  return list.filter((scope) => scope !== '');
}

function readClaims(value: unknown): [string, string | number | boolean][] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('claims', 'an object', OWNER);
  }
  return Object.entries(value).map(([name, expected]: [string, unknown]) => {
    if (!['string', 'number', 'boolean'].includes(typeof expected)) {
      throw invalid(`claims.${name}`, 'a string, a number or a boolean', OWNER);
    }
    return [name, expected as string | number | boolean];
  });
}

function readAcr(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((acr) => typeof acr === 'string' && acr !== '' && !acr.includes(' '))
  ) {
    throw invalid('acr', 'an acr value or a non-empty array of them (no spaces)', OWNER);
  }
  return list as string[];
}

function readMaxAge(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid('maxAge', 'a whole number of seconds >= 0', OWNER);
  }
  return value;
}

/** Validates `requireAuth()` options when the guard is created, in the same dialect as the middleware's. */
export function resolveRequireAuthOptions(value: unknown): ResolvedRequireAuth {
  const input = readOptionsObject(value, OWNER, true);
  rejectUnknownKeys(input, KEYS, '', OWNER);
  return {
    scopes: readScopes(input.scopes),
    claims: readClaims(input.claims),
    check: readFunction<RequireAuthOptions['check']>('check', input.check, 'a function', OWNER),
    redirect: readBoolean('redirect', input.redirect, true, OWNER),
    silent:
      input.silent === undefined ? undefined : readBoolean('silent', input.silent, false, OWNER),
    acr: readAcr(input.acr),
    maxAge: readMaxAge(input.maxAge),
  };
}
