import { invalid, isRecord, readNumber, rejectUnknownKeys } from './readers.js';
import type { ResolvedRoutes } from './routes.js';
import type { OAuthTenantProviders } from './tenant-types.js';

/** `providers` in its resolver form, after validation; internal. */
export interface ResolvedTenants {
  readonly resolve: OAuthTenantProviders['resolve'];
  /** Tenants kept resolved at most. */
  readonly cacheSize: number;
  /** The routes as declared, before each tenant's providers decide the JWKS route. */
  readonly declaredRoutes: ResolvedRoutes;
  /** `postLogoutRedirect` as given, resolved against each tenant's `baseURL`. */
  readonly postLogoutRedirect: unknown;
}

const TENANT_PROVIDERS_KEYS = [
  'resolve',
  'cacheSize',
] as const satisfies readonly (keyof OAuthTenantProviders)[];

const everyKeyListed: Record<
  Exclude<keyof OAuthTenantProviders, (typeof TENANT_PROVIDERS_KEYS)[number]>,
  never
> = {};
void everyKeyListed;

/** The static form names providers; the resolver form is the one object with `resolve()`. */
export function isTenantResolver(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.resolve === 'function';
}

/** `providers: { resolve, cacheSize }`, or `undefined` for the static form. */
export function readTenantProviders(
  value: unknown,
): Pick<ResolvedTenants, 'resolve' | 'cacheSize'> | undefined {
  if (!isTenantResolver(value)) return undefined;
  rejectUnknownKeys(value, TENANT_PROVIDERS_KEYS, 'providers.');
  const cacheSize = readNumber('providers.cacheSize', value.cacheSize, 100, 1);
  if (!Number.isInteger(cacheSize)) throw invalid('providers.cacheSize', 'a whole number >= 1');
  return { resolve: value.resolve as OAuthTenantProviders['resolve'], cacheSize };
}
