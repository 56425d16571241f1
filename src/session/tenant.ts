import type { Request } from 'express';

/**
 * Providers per tenant: the tenant each request was resolved to, so that the session's readers
 * (sign-in.ts) accept only a sign-in of that tenant. Kept beside the request rather than on it:
 * nothing the application or a later middleware sets on `req` can change it.
 */
const tenants = new WeakMap<Request, string>();

/** Records the tenant the middleware resolved this request to. */
export function bindTenant(req: Request, tenant: string): void {
  tenants.set(req, tenant);
}

/** The tenant of this request; `undefined` without providers per tenant. */
export function requestTenant(req: Request): string | undefined {
  return tenants.get(req);
}
