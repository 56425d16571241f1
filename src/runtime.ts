import { OAuthError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { ResolvedProvider } from './provider-options.js';
import type { OAuthProviderClient } from './providers/provider.js';
import type { RefreshCoordinator } from './refresh.js';
import type { OAuthRefreshLock } from './refresh-lock.js';

/** What one `oauthMiddleware()` instance shares between its routes, guard and request context. */
export interface OAuthRuntime {
  readonly options: ResolvedOptions;
  readonly providers: ReadonlyMap<string, OAuthProviderClient>;
  readonly refresher: RefreshCoordinator;
  /** One refresh at a time across instances sharing the session store. */
  readonly refreshLock: OAuthRefreshLock;
  /** The login route's public URL path, for guards that send the browser to log in. */
  readonly loginPath: string | undefined;
}

/** The configured provider of that name; an unknown one is a 404, never a crash. */
export function providerNamed(runtime: OAuthRuntime, name: unknown): OAuthProviderClient {
  const provider = typeof name === 'string' ? runtime.providers.get(name) : undefined;
  if (provider === undefined) {
    throw new OAuthError('no such provider is configured', { code: 'OAUTH_UNKNOWN_PROVIDER' });
  }
  return provider;
}

/** The resolved options of a provider the runtime knows. */
export function settingsOf(runtime: OAuthRuntime, provider: OAuthProviderClient): ResolvedProvider {
  const settings = runtime.options.providers.get(provider.name);
  if (settings === undefined) {
    throw new OAuthError('no such provider is configured', { code: 'OAUTH_UNKNOWN_PROVIDER' });
  }
  return settings;
}
