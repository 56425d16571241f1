import { randomBytes } from 'node:crypto';
import { codedTypeError } from '../errors.js';
import { runtimeOfMiddleware } from '../middleware.js';
import type { OAuthMiddleware } from '../middleware.js';
import {
  invalid,
  isRecord,
  missing,
  readBoolean,
  readOptionsObject,
  readString,
  readUrl,
  rejectUnknownKeys,
} from '../options/readers.js';
import type {
  OAuthDpopOptions,
  OAuthIntrospectionOptions,
  RequireBearerOptions,
} from './option-types.js';
import { createMemoryReplayStore } from './replay-store.js';
import type { OAuthReplayStore } from './replay-store.js';

/** `requireBearer()` options after validation; internal. */
export interface ResolvedBearerOptions {
  /** The middleware given as an option, if any. */
  readonly middleware: OAuthMiddleware | undefined;
  readonly provider: string | undefined;
  readonly issuer: URL | undefined;
  readonly audience: readonly string[];
  readonly scopes: readonly string[];
  readonly claims: readonly (readonly [string, string | number | boolean])[];
  /** Seconds; undefined: the middleware's. */
  readonly clockTolerance: number | undefined;
  readonly introspection:
    false | { readonly cacheMaxAge: number; readonly cacheMaxEntries: number };
  readonly dpop: {
    readonly required: boolean;
    readonly nonceSecret: string | undefined;
    readonly replayStore: OAuthReplayStore;
    readonly proofMaxAge: number;
  };
}

const OWNER = 'requireBearer() options';

// Tied to the public types, so typo hints and validation cannot drift from the docs.
const KEYS = [
  'middleware',
  'provider',
  'issuer',
  'audience',
  'scopes',
  'claims',
  'clockTolerance',
  'introspection',
  'dpop',
] as const satisfies readonly (keyof RequireBearerOptions)[];
const everyKeyListed: Record<
  Exclude<keyof RequireBearerOptions, (typeof KEYS)[number]>,
  never
> = {};
void everyKeyListed;

const INTROSPECTION_KEYS = [
  'cacheMaxAge',
  'cacheMaxEntries',
] as const satisfies readonly (keyof OAuthIntrospectionOptions)[];
const everyIntrospectionKeyListed: Record<
  Exclude<keyof OAuthIntrospectionOptions, (typeof INTROSPECTION_KEYS)[number]>,
  never
> = {};
void everyIntrospectionKeyListed;

const DPOP_KEYS = [
  'required',
  'nonce',
  'replayStore',
  'proofMaxAge',
] as const satisfies readonly (keyof OAuthDpopOptions)[];
const everyDpopKeyListed: Record<
  Exclude<keyof OAuthDpopOptions, (typeof DPOP_KEYS)[number]>,
  never
> = {};
void everyDpopKeyListed;

function readStrings(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list =
    typeof value === 'string'
      ? value.split(' ')
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? (value as string[])
        : undefined;
  if (list === undefined) throw invalid(name, 'a string or an array of strings', OWNER);
  return list.filter((item) => item !== '');
}

function readAudience(value: unknown): string[] {
  if (value === undefined) {
    throw missing('audience', 'so that tokens issued for another API are refused', OWNER);
  }
  // An audience is an identifier (often a URL) that may not be split on spaces.
  const list = typeof value === 'string' ? [value] : readStrings('audience', value);
  if (list === undefined || list.length === 0 || list.some((aud) => aud.trim() === '')) {
    throw invalid('audience', 'a non-empty string or a non-empty array of them', OWNER);
  }
  return list;
}

function readClaims(value: unknown): [string, string | number | boolean][] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw invalid('claims', 'an object', OWNER);
  return Object.entries(value).map(([name, expected]) => {
    if (!['string', 'number', 'boolean'].includes(typeof expected)) {
      throw invalid(`claims.${name}`, 'a string, a number or a boolean', OWNER);
    }
    return [name, expected as string | number | boolean];
  });
}

function readSeconds(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, `a finite number >= ${min}`, OWNER);
  }
  return value;
}

function readIntrospection(value: unknown): ResolvedBearerOptions['introspection'] {
  if (value === false) return false;
  const input = value === undefined ? {} : value;
  if (!isRecord(input)) throw invalid('introspection', 'false or an object', OWNER);
  rejectUnknownKeys(input, INTROSPECTION_KEYS, 'introspection.', OWNER);
  const cacheMaxEntries = readSeconds(
    'introspection.cacheMaxEntries',
    input.cacheMaxEntries,
    10_000,
    1,
  );
  if (!Number.isInteger(cacheMaxEntries)) {
    throw invalid('introspection.cacheMaxEntries', 'an integer >= 1', OWNER);
  }
  return {
    cacheMaxAge: readSeconds('introspection.cacheMaxAge', input.cacheMaxAge, 30, 0),
    cacheMaxEntries,
  };
}

function readNonceSecret(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  // A secret of this process: enough for one instance, which is the one that issued the nonce.
  if (value === true) return randomBytes(32).toString('base64url');
  if (!isRecord(value) || typeof value.secret !== 'string' || value.secret.length < 32) {
    throw invalid(
      'dpop.nonce',
      'a boolean or { secret } with a secret of 32 characters or more',
      OWNER,
    );
  }
  rejectUnknownKeys(value, ['secret'], 'dpop.nonce.', OWNER);
  return value.secret;
}

function readReplayStore(value: unknown): OAuthReplayStore {
  if (value === undefined) return createMemoryReplayStore();
  if (!isRecord(value) || typeof value.claim !== 'function') {
    throw invalid('dpop.replayStore', 'an object with a claim(key, ttlMs) method', OWNER);
  }
  return value as unknown as OAuthReplayStore;
}

function readDpop(value: unknown): ResolvedBearerOptions['dpop'] {
  const input = value === undefined ? {} : value;
  if (!isRecord(input)) throw invalid('dpop', 'an object', OWNER);
  rejectUnknownKeys(input, DPOP_KEYS, 'dpop.', OWNER);
  return {
    required: readBoolean('dpop.required', input.required, false, OWNER),
    nonceSecret: readNonceSecret(input.nonce),
    replayStore: readReplayStore(input.replayStore),
    proofMaxAge: readSeconds('dpop.proofMaxAge', input.proofMaxAge, 60, 1),
  };
}

/**
 * Validates `requireBearer()` options when the guard is created, in the same dialect as the
 * middleware's: a typo fails at start-up with a hint.
 */
export function resolveBearerOptions(value: unknown): ResolvedBearerOptions {
  const input = readOptionsObject(value, OWNER);
  rejectUnknownKeys(input, KEYS, '', OWNER);
  if (input.provider !== undefined && input.issuer !== undefined) {
    throw codedTypeError(
      `"${OWNER}.provider" and "${OWNER}.issuer" cannot both be set; name the provider, or its issuer`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  let issuer: URL | undefined;
  if (input.issuer !== undefined) {
    try {
      issuer = readUrl('issuer', input.issuer);
    } catch {
      throw invalid('issuer', 'an absolute http(s) URL', OWNER);
    }
  }
  if (input.middleware !== undefined) {
    const runtime = runtimeOfMiddleware(input.middleware);
    if (runtime === undefined) {
      throw invalid('middleware', 'the function oauthMiddleware() returned', OWNER);
    }
    // The tenant is chosen per request by the resolver, as the request passes the middleware.
    if (runtime.options.tenants !== undefined) {
      throw codedTypeError(
        `"${OWNER}.middleware" cannot be a middleware with a providers resolver: the tenant of a request is known only once it has passed through oauthMiddleware(); mount the middleware before the API route and leave out "middleware"`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  return {
    middleware: input.middleware as OAuthMiddleware | undefined,
    provider:
      input.provider === undefined
        ? undefined
        : readString('provider', input.provider, undefined, OWNER),
    issuer,
    audience: readAudience(input.audience),
    scopes: readStrings('scopes', input.scopes) ?? [],
    claims: readClaims(input.claims),
    clockTolerance:
      input.clockTolerance === undefined
        ? undefined
        : readSeconds('clockTolerance', input.clockTolerance, 0, 0),
    introspection: readIntrospection(input.introspection),
    dpop: readDpop(input.dpop),
  };
}
