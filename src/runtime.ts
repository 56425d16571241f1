import type { ResolvedOptions } from './options/resolve.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { OAuthRefreshLock } from './refresh/locks.js';
import type { RefreshCoordinator } from './refresh/single-flight.js';

/** What one `oauthMiddleware()` instance shares between its routes, guard and request context. */
export interface OAuthRuntime {
  readonly options: ResolvedOptions;
  readonly providers: ProviderRegistry;
  readonly refresher: RefreshCoordinator;
  /** One refresh at a time across instances sharing the session store. */
  readonly refreshLock: OAuthRefreshLock;
  /** The login route's public URL path, for guards that send the browser to log in. */
  readonly loginPath: string | undefined;
}
