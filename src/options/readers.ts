import { codedTypeError } from '../errors.js';
import type { CodedTypeError } from '../errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../providers/bounded-body.js';
import { checkOptionTransport } from '../providers/plain-http.js';
import { suggestName } from './suggest-name.js';

/**
 * The one validation dialect: every options reader (`oauthMiddleware()`, `requireAuth()`,
 * `createTokenClient()`) builds its messages and typo hints here, so they read the same
 * everywhere: `"options.timeout" must be a finite number >= 1`,
 * `unknown option "clientID"; did you mean "clientId"?`.
 *
 * `owner` names what is being configured when it is not the middleware's `options`
 * (`'requireAuth() options'`).
 */

export function invalid(name: string, expectation: string, owner = 'options'): CodedTypeError {
  return codedTypeError(`"${owner}.${name}" must be ${expectation}`, 'ERR_INVALID_ARG_VALUE');
}

export function missing(name: string, why: string, owner = 'options'): CodedTypeError {
  return codedTypeError(`"${owner}.${name}" is required ${why}`, 'ERR_MISSING_OPTION');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The options object itself must be an object (or absent, when `optional`). */
export function readOptionsObject(
  value: unknown,
  owner = 'options',
  optional = false,
): Record<string, unknown> {
  if (value === undefined && optional) return {};
  if (!isRecord(value))
    throw codedTypeError(`"${owner}" must be an object`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

export function rejectUnknownKeys(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  owner = 'options',
): void {
  const label = owner === 'options' ? 'option' : `${owner.replace(/ options$/, '')} option`;
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const hint = suggestName(key, known);
    throw codedTypeError(
      `unknown ${label} "${prefix}${key}"${hint === undefined ? '' : `; did you mean "${prefix}${hint}"?`}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
}

export function readUrl(name: string, value: unknown): URL {
  if (!(value instanceof URL) && typeof value !== 'string') throw invalid(name, 'an absolute URL');
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(url.protocol);
    return url;
  } catch {
    throw invalid(name, 'an absolute http(s) URL');
  }
}

/** An absolute URL that also passes the plain-http rule. */
export function readEndpoint(name: string, value: unknown, allowInsecureHttp: boolean): URL {
  const url = readUrl(name, value);
  checkOptionTransport(name, url, allowInsecureHttp);
  return url;
}

export function readString(
  name: string,
  value: unknown,
  fallback?: string,
  owner?: string,
): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(name, 'a non-empty string', owner);
  }
  return value;
}

export function readOptionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : readString(name, value);
}

/** A secret or password, taken as it is: a leading or trailing space may be part of one. */
export function readSecret(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid(name, 'a non-empty string');
  return value;
}

export function readBoolean(
  name: string,
  value: unknown,
  fallback: boolean,
  owner?: string,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', owner);
  return value;
}

export function readNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, `a finite number >= ${min}`);
  }
  return value;
}

/**
 * `maxResponseBytes` of the middleware and of the token client: whole bytes, at least 1 KiB (less
 * would refuse honest discovery documents and key sets). Default 1 MiB.
 */
export function readMaxResponseBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_RESPONSE_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1024) {
    throw invalid('maxResponseBytes', 'a whole number of bytes >= 1024 (default 1048576, 1 MiB)');
  }
  return value;
}

export function readFunction<T>(
  name: string,
  value: unknown,
  expectation: string,
  owner?: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(name, expectation, owner);
  return value as T;
}

export function readStringRecord(name: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(name, 'an object of strings');
  }
  return value as Record<string, string>;
}
