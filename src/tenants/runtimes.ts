import type { Request } from 'express';
import { BoundedCache } from '../bearer/bounded-cache.js';
import { OAuthError } from '../errors.js';
import type { ResolvedTenants } from '../options/tenant.js';
import { createRuntime } from '../runtime.js';
import type { OAuthRuntime } from '../runtime.js';
import { readTenantKey, resolveTenantOptions } from './tenant-options.js';

/** One tenant, resolved: its runtime, and whatever the middleware builds on it (its routes). */
export interface TenantEntry<T> {
  readonly runtime: OAuthRuntime;
  readonly extra: T;
}

/**
 * Providers per tenant: asks the application's resolver which tenant a request is for, and keeps
 * each tenant's runtime (validated options, provider clients with their discovery metadata and
 * keys) in a cache bounded by `cacheSize`, the least recently used leaving first. The resolver is
 * the application's and may answer anything a request makes it answer (a new tenant per forged
 * Host header): the cache is filled by it, never grown beyond the bound.
 */
export class TenantRuntimes<T> {
  readonly #root: OAuthRuntime;
  readonly #tenants: ResolvedTenants;
  readonly #build: (runtime: OAuthRuntime) => T;
  readonly #cache: BoundedCache<TenantEntry<T>>;

  constructor(root: OAuthRuntime, tenants: ResolvedTenants, build: (runtime: OAuthRuntime) => T) {
    this.#root = root;
    this.#tenants = tenants;
    this.#build = build;
    this.#cache = new BoundedCache(tenants.cacheSize);
  }

  /** Tenants currently kept, least recently used first. */
  entries(): TenantEntry<T>[] {
    return this.#cache.values(Date.now());
  }

  /**
   * The tenant of this request. Rejects with 404 `OAUTH_UNKNOWN_TENANT` when the resolver
   * answers nothing, and with 500 `OAUTH_TENANT_UNAVAILABLE` when it throws or answers a
   * configuration that fails validation (its error as `cause`); neither is cached.
   */
  async forRequest(req: Request): Promise<TenantEntry<T>> {
    let answer: unknown;
    try {
      answer = await this.#tenants.resolve(req);
    } catch (cause) {
      throw new OAuthError('the providers resolver failed', {
        code: 'OAUTH_TENANT_UNAVAILABLE',
        cause,
      });
    }
    if (answer === undefined || answer === null) {
      throw new OAuthError('no tenant signs in at this address', { code: 'OAUTH_UNKNOWN_TENANT' });
    }
    try {
      const key = readTenantKey(answer);
      const cached = this.#cache.get(key, Date.now());
      if (cached !== undefined) return cached;
      const { tenant, options } = resolveTenantOptions(this.#root.options, this.#tenants, answer);
      const runtime = createRuntime(options, { runtime: this.#root, tenant });
      const entry: TenantEntry<T> = { runtime, extra: this.#build(runtime) };
      this.#cache.set(key, entry, Number.POSITIVE_INFINITY);
      return entry;
    } catch (cause) {
      throw new OAuthError('the providers resolver answered an invalid tenant configuration', {
        code: 'OAUTH_TENANT_UNAVAILABLE',
        cause,
      });
    }
  }
}
