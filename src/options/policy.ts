import type { Request } from 'express';
import { OAuthError } from '../errors.js';
import type { OAuthAllowRules, OAuthLogoutParams } from './policy-types.js';
import { invalid, isRecord, readBoolean, rejectUnknownKeys } from './readers.js';

/** `allow` after validation; internal. */
export interface ResolvedAllow {
  /** Lower case. */
  readonly emailDomains: readonly string[] | undefined;
  readonly emailVerified: boolean;
  readonly claims: readonly (readonly [path: readonly string[], accepted: readonly unknown[]])[];
}

const ALLOW_KEYS = [
  'emailDomains',
  'emailVerified',
  'claims',
] as const satisfies readonly (keyof OAuthAllowRules)[];

const everyAllowKeyListed: Record<
  Exclude<keyof OAuthAllowRules, (typeof ALLOW_KEYS)[number]>,
  never
> = {};
void everyAllowKeyListed;

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** `allow` (top level as `allow`, per provider as `providers.<name>.allow`). */
export function readAllow(name: string, value: unknown): ResolvedAllow | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw invalid(name, 'an object of rules');
  rejectUnknownKeys(value, ALLOW_KEYS, `${name}.`);
  const { emailDomains, emailVerified, claims } = value;
  if (
    emailDomains !== undefined &&
    (!Array.isArray(emailDomains) ||
      emailDomains.length === 0 ||
      emailDomains.some(
        (domain) => typeof domain !== 'string' || !/^[^@\s]+\.[^@\s]+$/.test(domain),
      ))
  ) {
    throw invalid(`${name}.emailDomains`, 'a non-empty array of domains, e.g. ["example.com"]');
  }
  if (emailVerified !== undefined && typeof emailVerified !== 'boolean') {
    throw invalid(`${name}.emailVerified`, 'a boolean');
  }
  if (claims !== undefined && !isRecord(claims)) throw invalid(`${name}.claims`, 'an object');
  const conditions = Object.entries(claims ?? {}).map(([path, condition]: [string, unknown]) => {
    const accepted = Array.isArray(condition) ? (condition as unknown[]) : [condition];
    if (
      path === '' ||
      path.split('.').includes('') ||
      accepted.length === 0 ||
      !accepted.every(isScalar)
    ) {
      throw invalid(`${name}.claims.${path}`, 'a string, number or boolean, or an array of them');
    }
    return [path.split('.'), accepted] as const;
  });
  return {
    emailDomains: (emailDomains as string[] | undefined)?.map((domain) => domain.toLowerCase()),
    emailVerified: emailVerified === true,
    claims: conditions,
  };
}

/** Parameters that protect the logout flow: the middleware sets them, never the application. */
const RESERVED_LOGOUT_PARAMS = new Set(['id_token_hint', 'post_logout_redirect_uri', 'client_id']);

function checkLogoutParams(
  params: Record<string, unknown>,
  fail: (message: string) => Error,
): OAuthLogoutParams {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (RESERVED_LOGOUT_PARAMS.has(key)) {
      throw fail(`free of "${key}", which the middleware sets itself`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail(`an object of strings ("${key}" is ${typeof value})`);
    checked[key] = value;
  }
  return checked;
}

/** `logoutParams`: an object checked now, or a function checked at each logout. */
export function readLogoutParams(value: unknown): (req: Request) => OAuthLogoutParams {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') {
    const dynamic = value as (req: Request) => unknown;
    return (req) => {
      const params = dynamic(req);
      if (!isRecord(params)) {
        throw new OAuthError('"logoutParams" must return an object of strings', {
          code: 'OAUTH_INTERNAL_ERROR',
        });
      }
      return checkLogoutParams(
        params,
        (message) =>
          new OAuthError(`"logoutParams" must return ${message}`, { code: 'OAUTH_INTERNAL_ERROR' }),
      );
    };
  }
  if (!isRecord(value)) throw invalid('logoutParams', 'an object of strings or a function');
  const params = checkLogoutParams(value, (message) => invalid('logoutParams', message));
  return () => params;
}

/**
 * `silentLogin`: a silent login needs one provider to ask, so with several providers it needs
 * `defaultProvider` (a providers resolver gives each tenant's own).
 */
export function readSilentLogin(
  value: unknown,
  multi: boolean,
  defaultProvider: string | undefined,
  perTenant: boolean,
): boolean {
  const silent = readBoolean('silentLogin', value, false);
  if (silent && multi && !perTenant && defaultProvider === undefined) {
    throw invalid('silentLogin', 'false unless defaultProvider names the provider to ask');
  }
  return silent;
}

/** `idleDuration`: seconds, or `false` (the default) for none. */
export function readIdleDuration(value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw invalid('idleDuration', 'a finite number of seconds >= 1, or false');
  }
  return value;
}
