import { codedTypeError } from './errors.js';
import { suggestName } from './suggest-name.js';

/**
 * Small readers shared by every options validator, so each rule (what an URL may be, what a
 * typo hint looks like) is written once and reads the same in every message.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function invalid(name: string, expectation: string): TypeError {
  return codedTypeError(`"options.${name}" must be ${expectation}`, 'ERR_INVALID_ARG_VALUE');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rejectUnknownKeys(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const hint = suggestName(key, known);
    throw codedTypeError(
      `unknown option "${prefix}${key}"${hint === undefined ? '' : `; did you mean "${prefix}${hint}"?`}`,
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

export function readString(name: string, value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(name, 'a non-empty string');
  return value;
}

export function readOptionalString(name: string, value: unknown): string | undefined {
  return value === undefined ? undefined : readString(name, value);
}

export function readBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean');
  return value;
}

export function readNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, `a finite number >= ${min}`);
  }
  return value;
}

export function readFunction<T>(name: string, value: unknown, expectation: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(name, expectation);
  return value as T;
}

/**
 * Plain http leaks codes, tokens and the client secret to the network, so it is accepted only on
 * loopback (local development and tests) unless the user opts in by name.
 */
export function checkInsecureHttp(name: string, url: URL, allowInsecureHttp: boolean): void {
  if (url.protocol === 'https:' || allowInsecureHttp || isLoopbackHost(url.hostname)) return;
  throw codedTypeError(
    `"options.${name}" must use https:// (http:// is allowed only for localhost, 127.0.0.1 and [::1]); set "allowInsecureHttp: true" to accept ${url.origin} anyway`,
    'ERR_INVALID_ARG_VALUE',
  );
}
