import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Providers per tenant: the tenant a request was resolved to, for the events published while it
 * is served (by its routes, its refreshes, its provider requests), without threading the tenant
 * through every function that publishes. Only entered with providers per tenant.
 */
const scope = new AsyncLocalStorage<string>();

/** Runs `serve` (and everything it starts) as work of `tenant`. */
export function runAsTenant<T>(tenant: string, serve: () => T): T {
  return scope.run(tenant, serve);
}

/** The tenant of the work in progress, if any. */
export function currentTenant(): string | undefined {
  return scope.getStore();
}
