import { OAuthError } from '../errors.js';
import type { ResolvedProvider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthProviderClient } from './client.js';
import type { IssuerCache } from './issuer-cache.js';
import { createCustomProvider } from './custom.js';
import { createOAuth2Provider } from './oauth2.js';
import { createOidcProvider } from './oidc.js';

/** The client for one configured provider, by its kind. */
function createProviderClient(
  options: ResolvedOptions,
  provider: ResolvedProvider,
  issuers: IssuerCache,
): OAuthProviderClient {
  switch (provider.kind) {
    case 'oidc':
      return createOidcProvider(options, provider, issuers);
    case 'oauth2':
      return createOAuth2Provider(options, provider);
    case 'custom':
      return createCustomProvider(options, provider);
  }
}

/**
 * Every configured provider, each client carrying its resolved settings: the one place that
 * answers "which provider is this?".
 */
export class ProviderRegistry {
  readonly #clients: ReadonlyMap<string, OAuthProviderClient>;
  readonly #default: string | undefined;

  /** `issuers` is shared by every tenant's registry, so an issuer is discovered once. */
  constructor(options: ResolvedOptions, issuers: IssuerCache) {
    this.#clients = new Map(
      [...options.providers].map(([name, settings]) => [
        name,
        createProviderClient(options, settings, issuers),
      ]),
    );
    this.#default = options.defaultProvider;
  }

  /** Every provider, in the order the options list them. */
  all(): OAuthProviderClient[] {
    return [...this.#clients.values()];
  }

  /** The provider of that name, if configured. */
  find(name: string): OAuthProviderClient | undefined {
    return this.#clients.get(name);
  }

  /**
   * The provider a request is for: the one its route names (several providers), else the default
   * one. An unknown name, or no name without a default, is a 404, never a crash.
   */
  pick(name: string | undefined): OAuthProviderClient {
    const provider = this.#clients.get(name ?? this.#default ?? '');
    if (provider === undefined) {
      throw new OAuthError('no such provider is configured', { code: 'OAUTH_UNKNOWN_PROVIDER' });
    }
    return provider;
  }
}
