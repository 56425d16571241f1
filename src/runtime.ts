import type { ResolvedOptions } from './options/resolve.js';
import { routeUrl } from './options/routes.js';
import { IssuerCache } from './providers/issuer-cache.js';
import { boundRefreshLock } from './session/store.js';
import { ProviderRegistry } from './providers/registry.js';
import type { OAuthRefreshLock } from './refresh/locks.js';
import { RefreshCoordinator } from './refresh/single-flight.js';

/** What one `oauthMiddleware()` instance shares between its routes, guard and request context. */
export interface OAuthRuntime {
  readonly options: ResolvedOptions;
  readonly providers: ProviderRegistry;
  /** Discovery metadata and keys per issuer, shared by every tenant's providers. */
  readonly issuers: IssuerCache;
  readonly refresher: RefreshCoordinator;
  /** One refresh at a time across instances sharing the session store. */
  readonly refreshLock: OAuthRefreshLock;
  /** The login route's public URL path, for guards that send the browser to log in. */
  readonly loginPath: string | undefined;
  /** Providers per tenant: the tenant this runtime serves; `undefined` in the static forms. */
  readonly tenant?: string | undefined;
}

/**
 * The runtime of resolved options: the middleware's own, or one tenant's, which shares the
 * middleware's refresh coordination (`shared`) and gets provider clients of its own.
 */
export function createRuntime(
  options: ResolvedOptions,
  shared?: { readonly runtime: OAuthRuntime; readonly tenant: string },
): OAuthRuntime {
  const { login } = options.routes;
  // Bounded like the tenants it serves: one issuer per configured provider, or per cached tenant.
  const issuers =
    shared?.runtime.issuers ??
    new IssuerCache(Math.max(options.providers.size, options.tenants?.cacheSize ?? 0, 1));
  return {
    options,
    providers: new ProviderRegistry(options, issuers),
    issuers,
    refresher: shared?.runtime.refresher ?? new RefreshCoordinator(),
    // Its calls are store calls: bounded by storeTimeout like the session's own.
    refreshLock:
      shared?.runtime.refreshLock ?? boundRefreshLock(options.refreshLock, options.storeTimeout),
    loginPath: login === false ? undefined : new URL(routeUrl(options.baseURL, login)).pathname,
    ...(shared === undefined ? {} : { tenant: shared.tenant }),
  };
}
