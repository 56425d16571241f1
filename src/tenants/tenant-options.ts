import {
  invalid,
  missing,
  readOptionsObject,
  readString,
  rejectUnknownKeys,
} from '../options/readers.js';
import {
  readBaseURL,
  readDefaultProvider,
  resolveProviders,
  withJwksRoute,
} from '../options/resolve.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { resolvePostLogout } from '../options/routes.js';
import type { ResolvedTenants } from '../options/tenant.js';
import type { OAuthTenant } from '../options/tenant-types.js';

/** What a resolver answered, once validated: the tenant's key and its whole options. */
export interface ResolvedTenant {
  readonly tenant: string;
  readonly options: ResolvedOptions;
}

const TENANT_KEYS = [
  'tenant',
  'baseURL',
  'providers',
  'defaultProvider',
] as const satisfies readonly (keyof OAuthTenant)[];

const everyKeyListed: Record<Exclude<keyof OAuthTenant, (typeof TENANT_KEYS)[number]>, never> = {};
void everyKeyListed;

/** Stored in sessions and pending logins, and shown in events: short, and plain characters. */
const TENANT_KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The key alone, read before the rest so the cache can be asked first. */
export function readTenantKey(answer: unknown): string {
  const input = readOptionsObject(answer, 'providers.resolve() answer');
  const tenant = readString('tenant', input.tenant, undefined, 'providers.resolve() answer');
  if (!TENANT_KEY.test(tenant)) {
    throw invalid(
      'tenant',
      'letters, digits, ".", "_", ":" and "-", at most 128 characters',
      'providers.resolve() answer',
    );
  }
  return tenant;
}

/**
 * Validates one tenant's answer exactly as `oauthMiddleware()` validates the static form (same
 * readers, same messages) and makes the tenant's options: the middleware's shared options with
 * the tenant's `baseURL`, providers, routes and post-logout URL.
 */
export function resolveTenantOptions(
  root: ResolvedOptions,
  tenants: ResolvedTenants,
  answer: unknown,
): ResolvedTenant {
  const tenant = readTenantKey(answer);
  const input = answer as Record<string, unknown>;
  rejectUnknownKeys(input, TENANT_KEYS, '', 'providers.resolve() answer');
  if (input.providers === undefined) {
    throw missing('providers', 'in a tenant: its providers by name', 'providers.resolve() answer');
  }
  const baseURL = input.baseURL === undefined ? root.baseURL : readBaseURL(input.baseURL);
  const declared = tenants.declaredRoutes;
  const providers = resolveProviders({ providers: input.providers }, baseURL, declared.callback);
  return {
    tenant,
    options: {
      ...root,
      baseURL,
      routes: withJwksRoute(declared, providers),
      postLogoutRedirectUri: resolvePostLogout(tenants.postLogoutRedirect, baseURL),
      multi: true,
      providers,
      defaultProvider: readDefaultProvider(input, true, providers),
      tenants: undefined,
    },
  };
}
