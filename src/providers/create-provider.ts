import type { ResolvedOptions } from '../options.js';
import type { ResolvedProvider } from '../provider-options.js';
import { createCustomProvider } from './custom.js';
import { createOAuth2Provider } from './oauth2.js';
import { createOidcProvider } from './oidc.js';
import type { OAuthProviderClient } from './provider.js';

/** The client for one configured provider, by its kind. */
export function createProviderClient(
  options: ResolvedOptions,
  provider: ResolvedProvider,
): OAuthProviderClient {
  switch (provider.kind) {
    case 'oidc':
      return createOidcProvider(options, provider);
    case 'oauth2':
      return createOAuth2Provider(options, provider);
    case 'custom':
      return createCustomProvider(options, provider);
  }
}
