import { publish, safeUrl } from './events.js';
import type { OAuthEndpointKind } from './events.js';

/** The last time a provider could not serve a request, for `health()`. */
export interface ProviderFailure {
  /** What a flow meeting this failure is told: `OAUTH_PROVIDER_UNAVAILABLE`, ... */
  readonly code: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly endpoint: OAuthEndpointKind;
  /** The HTTP status, when the provider answered. */
  readonly status?: number;
}

/** Metadata fields naming the endpoints the package calls, and what each is for. */
const METADATA_ENDPOINTS: Readonly<Record<string, OAuthEndpointKind>> = {
  token_endpoint: 'token',
  userinfo_endpoint: 'userinfo',
  revocation_endpoint: 'revocation',
  introspection_endpoint: 'introspection',
  pushed_authorization_request_endpoint: 'par',
  jwks_uri: 'jwks',
};

/** The error's own `code` (`ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) or its name. */
function errorName(error: unknown): string {
  for (let link = error, depth = 0; link instanceof Error && depth < 5; depth += 1) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (!(link.cause instanceof Error)) return link.name;
    link = link.cause;
  }
  return 'Error';
}

/**
 * What one provider's HTTP looked like: each request is published as a `provider-request` event,
 * and what `health()` reports is kept (when the metadata and keys were loaded, the last failure).
 */
export class ProviderObserver {
  readonly provider: string;
  /** Epoch milliseconds the discovery metadata was loaded; `undefined` until it was. */
  discoveredAt: number | undefined;
  /** Epoch milliseconds the JWKS was last fetched. */
  keysFetchedAt: number | undefined;
  lastFailure: ProviderFailure | undefined;
  readonly #endpoints = new Map<string, OAuthEndpointKind>();

  constructor(provider: string) {
    this.provider = provider;
  }

  /** Records the endpoints the metadata names, so each request is told apart by its URL. */
  learn(metadata: Readonly<Record<string, unknown>>, discovered = true): void {
    // RFC 8705 §5: with a client certificate the package calls the mTLS aliases instead.
    const aliases = metadata.mtls_endpoint_aliases;
    const sources =
      typeof aliases === 'object' && aliases !== null ? [metadata, aliases] : [metadata];
    for (const source of sources as Readonly<Record<string, unknown>>[]) {
      for (const [field, kind] of Object.entries(METADATA_ENDPOINTS)) {
        const value = source[field];
        if (typeof value === 'string' && URL.canParse(value))
          this.#endpoints.set(safeUrl(value), kind);
      }
    }
    if (discovered) this.discoveredAt = Date.now();
  }

  kindOf(url: URL): OAuthEndpointKind {
    if (url.pathname.includes('/.well-known/')) return 'discovery';
    return this.#endpoints.get(`${url.origin}${url.pathname}`) ?? 'other';
  }

  /** Sends one request through `send`, timing and recording it. */
  async observe(
    url: URL,
    method: string,
    send: () => Promise<Response>,
    kind: OAuthEndpointKind = this.kindOf(url),
  ): Promise<Response> {
    const started = performance.now();
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      const name = errorName(error);
      this.lastFailure = {
        code: name === 'TimeoutError' ? 'OAUTH_PROVIDER_TIMEOUT' : 'OAUTH_PROVIDER_UNAVAILABLE',
        at: Date.now(),
        endpoint: kind,
      };
      this.#publish(url, method, kind, undefined, started, name);
      throw error;
    }
    const { status } = response;
    if (status >= 200 && status < 300 && kind === 'jwks') this.keysFetchedAt = Date.now();
    if (
      status >= 500 ||
      status === 429 ||
      (status >= 400 && (kind === 'discovery' || kind === 'jwks'))
    ) {
      this.lastFailure = {
        code: status === 429 ? 'OAUTH_RATE_LIMITED' : 'OAUTH_PROVIDER_UNAVAILABLE',
        at: Date.now(),
        endpoint: kind,
        status,
      };
    }
    this.#publish(url, method, kind, status, started);
    return response;
  }

  #publish(
    url: URL,
    method: string,
    endpoint: OAuthEndpointKind,
    status: number | undefined,
    started: number,
    error?: string,
  ): void {
    publish('providerRequest', () => ({
      provider: this.provider,
      endpoint,
      method: method.toUpperCase(),
      url: safeUrl(url),
      status,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error }),
    }));
  }
}
