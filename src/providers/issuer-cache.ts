import type { createRemoteJWKSet } from 'jose';
import type { ServerMetadata } from 'openid-client';
import { BoundedCache } from '../bearer/bounded-cache.js';
import type { ResolvedOidcProvider } from '../options/provider.js';
import type { OAuthFetch } from '../options/types.js';

/** jose's remote key set: fetched once, refetched for an unknown `kid`. */
export type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

const NEVER = Number.POSITIVE_INFINITY;

/**
 * What every provider client of one middleware shares, whichever tenant it serves: each issuer's
 * discovery metadata and JWKS, fetched once for all the providers that name the issuer through
 * the same transport, in a cache bounded by entries (the least recently used leaves first). A
 * deployment with a thousand tenants on one identity provider discovers it once; a resolver that
 * makes up issuers can fill the cache, never grow it.
 *
 * A failed discovery is not kept, so the next request tries again, as for a single provider.
 */
export class IssuerCache {
  readonly #metadata: BoundedCache<Promise<ServerMetadata>>;
  readonly #keySets: BoundedCache<RemoteKeySet>;

  constructor(maxEntries: number) {
    this.#metadata = new BoundedCache(maxEntries);
    this.#keySets = new BoundedCache(maxEntries);
  }

  /** Issuers whose metadata is kept (loaded or loading). */
  get size(): number {
    return this.#metadata.size;
  }

  /** The metadata under `key`, loaded by `load` when no provider has loaded it yet. */
  metadata(key: string, load: () => Promise<ServerMetadata>): Promise<ServerMetadata> {
    const cached = this.#metadata.get(key, Date.now());
    if (cached !== undefined) return cached;
    const loading = load();
    this.#metadata.set(key, loading, NEVER);
    loading.catch(() => {
      if (this.#metadata.get(key, Date.now()) === loading) this.#metadata.delete(key);
    });
    return loading;
  }

  /** The key set under `key`, made by `create` the first time. */
  keySet(key: string, create: () => RemoteKeySet): RemoteKeySet {
    const cached = this.#keySets.get(key, Date.now());
    if (cached !== undefined) return cached;
    const keySet = create();
    this.#keySets.set(key, keySet, NEVER);
    return keySet;
  }
}

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A stable name for an object's identity (a `fetch` function, a certificate). */
function identity(value: object | undefined): string {
  if (value === undefined) return '-';
  let id = ids.get(value);
  if (id === undefined) {
    id = nextId++;
    ids.set(value, id);
  }
  return String(id);
}

/**
 * The cache key of a document at `url` as `provider` fetches it: providers share it only when they
 * would fetch it the same way (the same `fetch`, certificate, plain-http policy, timeout and
 * quirks), so no tenant ever sees a document another tenant's transport obtained differently.
 */
export function issuerKey(
  url: URL,
  provider: ResolvedOidcProvider,
  fetchImpl: OAuthFetch | undefined,
  timeout: number,
): string {
  return [
    url.href,
    identity(fetchImpl),
    identity(provider.clientCertificate),
    provider.allowInsecureHttp ? 'http-allowed' : 'https-only',
    String(timeout),
    JSON.stringify(provider.quirks ?? null),
  ].join('\n');
}
