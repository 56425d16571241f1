/**
 * What one OpenID Connect provider fetches from its issuer, shared per issuer and transport
 * through the issuer cache: the discovered metadata, made into openid-client's Configuration with
 * the client metadata, and the JWKS.
 */
import {
  allowInsecureRequests,
  clockTolerance,
  Configuration,
  customFetch,
  discovery,
  None,
} from 'openid-client';
import type { ProviderObserver } from '../observability/provider-observer.js';
import type { ResolvedOidcProvider } from '../options/provider.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { clientAuthentication } from './client-auth.js';
import { attempt } from './error-mapping.js';
import { issuerKey } from './issuer-cache.js';
import type { IssuerCache, RemoteKeySet } from './issuer-cache.js';
import { createKeySet } from './jwt-verifier.js';
import { checkMetadataTransport } from './plain-http.js';
import { createProviderFetch } from './provider-fetch.js';
import type { ProviderHttpOptions } from './provider-fetch.js';
import { serverMetadataOf } from './server-metadata.js';

/** What one provider's Configuration and JWKS are made from. */
export interface OidcConfigurationSource {
  readonly options: ResolvedOptions;
  readonly provider: ResolvedOidcProvider;
  readonly issuers: IssuerCache;
  /** The provider's HTTP, with the observer that learns its endpoints from the metadata. */
  readonly http: ProviderHttpOptions & { readonly observer: ProviderObserver };
}

/**
 * The issuer cache's key of a document: the application's own `fetch`, with the certificate,
 * names the transport.
 */
function cacheKey({ options, provider }: OidcConfigurationSource, url: URL): string {
  return issuerKey(url, provider, provider.fetch ?? options.fetch, options.timeout);
}

/**
 * Returns the provider's Configuration getter. The discovery promise is shared by every request
 * and dropped on failure, so a provider that was down at start-up is tried again on the next
 * request instead of failing forever. A refused document is not cached either, so a corrected one
 * is picked up on the next request.
 */
export function createConfigurationGetter(
  source: OidcConfigurationSource,
): () => Promise<Configuration> {
  const { options, provider, issuers, http } = source;
  let configuration: Promise<Configuration> | undefined;

  return function getConfiguration(): Promise<Configuration> {
    configuration ??= attempt('discovery', async () => {
      const providerFetch = createProviderFetch({ ...http, quirks: provider.quirks });
      const clientMetadata = {
        ...(provider.clientSecret === undefined ? {} : { client_secret: provider.clientSecret }),
        // RFC 8705 §5: with a client certificate, the provider's mTLS endpoint aliases.
        ...(provider.clientCertificate === undefined ? {} : { use_mtls_endpoint_aliases: true }),
        [clockTolerance]: options.clockTolerance,
      };
      // openid-client discovers (and checks the document names this issuer) once per issuer;
      // every other provider of the same issuer and transport, in any tenant, reuses it.
      const metadata = await issuers.metadata(cacheKey(source, provider.issuer), async () => {
        const discovered = await discovery(
          provider.issuer,
          provider.clientId,
          clientMetadata,
          None(),
          {
            execute: provider.issuer.protocol === 'http:' ? [allowInsecureRequests] : [],
            timeout: options.timeout / 1000,
            [customFetch]: providerFetch,
          },
        );
        const found = discovered.serverMetadata();
        checkMetadataTransport(found, provider.allowInsecureHttp);
        return found;
      });
      const config = new Configuration(
        metadata,
        provider.clientId,
        clientMetadata,
        clientAuthentication(provider),
      );
      if (provider.issuer.protocol === 'http:') allowInsecureRequests(config);
      config.timeout = options.timeout / 1000;
      config[customFetch] = providerFetch;
      http.observer.learn(serverMetadataOf(config));
      return config;
    });
    configuration.catch(() => {
      configuration = undefined;
    });
    return configuration;
  };
}

/** The provider's JWKS, fetched through `timedFetch`; shared like the metadata. */
export function sharedKeySet(
  source: OidcConfigurationSource,
  jwksUri: URL,
  timedFetch: (url: string, init: RequestInit) => Promise<Response>,
): RemoteKeySet {
  return source.issuers.keySet(cacheKey(source, jwksUri), () =>
    createKeySet(jwksUri, timedFetch, source.options.timeout),
  );
}
