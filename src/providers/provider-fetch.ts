import type { CustomFetch } from 'openid-client';
import type { OAuthEndpointKind } from '../observability/events.js';
import { ProviderObserver } from '../observability/provider-observer.js';
import type { ResolvedProvider } from '../options/provider.js';
import type { ResolvedQuirks } from '../options/quirks.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OAuthFetch } from '../options/types.js';
import { withClientCertificate } from './mtls-fetch.js';
import { boundResponse } from './bounded-body.js';
import type { ResponseBound } from './bounded-body.js';
import { refusePlainHttp } from './plain-http.js';
import { shapeTokenRequest, shapeTokenResponse } from './token-shape.js';

/** What shapes a provider's HTTP: its plain-http policy, its timeout and its quirks. */
export interface ProviderHttpOptions {
  readonly allowInsecureHttp: boolean;
  /** Milliseconds. */
  readonly timeout: number;
  readonly tokenEndpoint?: URL | undefined;
  readonly quirks?: ResolvedQuirks | undefined;
  /** The application's `fetch` option; the global `fetch`, looked up at each call, without it. */
  readonly fetch?: OAuthFetch | undefined;
  /** Times and records every request (events, `health()`). */
  readonly observer?: ProviderObserver | undefined;
  /** What every request of this `fetch` is for, where its URL cannot tell (adapters). */
  readonly kind?: OAuthEndpointKind | undefined;
  /**
   * Bytes a response body may have (`maxResponseBytes`); `undefined` hands the body over unread,
   * for the application's own API calls, which are not provider answers.
   */
  readonly maxResponseBytes?: number | undefined;
}

/** The `fetch` and the observer of one provider: what every one of its requests goes through. */
export function providerTransport(
  options: ResolvedOptions,
  provider: ResolvedProvider,
): { fetch: OAuthFetch | undefined; observer: ProviderObserver; maxResponseBytes: number } {
  const certificate = provider.kind === 'custom' ? undefined : provider.clientCertificate;
  return {
    fetch: withClientCertificate(certificate, provider.fetch ?? options.fetch),
    observer: new ProviderObserver(provider.name),
    maxResponseBytes: options.maxResponseBytes,
  };
}

/** The one place a provider request leaves the process. */
function send(options: ProviderHttpOptions, url: URL, init: RequestInit): Promise<Response> {
  const request = () => (options.fetch ?? fetch)(url.href, init);
  const { observer } = options;
  if (observer === undefined) return request();
  return observer.observe(url, init.method ?? 'GET', request, options.kind);
}

/** What a response is read against: its endpoint, the limit, and the request's timeout. */
function boundOf(
  options: ProviderHttpOptions,
  url: URL,
  init: { signal?: AbortSignal | null | undefined },
  limit: number,
): ResponseBound {
  const endpoint = options.kind ?? options.observer?.kindOf(url) ?? 'other';
  return { endpoint, limit, signal: init.signal };
}

/**
 * A token request: a POST to the configured token endpoint or, for a discovered provider whose
 * endpoint is not known up front, any POST that carries a `grant_type`.
 */
function isTokenRequest(
  url: URL,
  method: string,
  body: unknown,
  options: ProviderHttpOptions,
): boolean {
  if (method !== 'POST') return false;
  const token = options.tokenEndpoint;
  if (token !== undefined) return url.origin === token.origin && url.pathname === token.pathname;
  return body instanceof URLSearchParams && body.has('grant_type');
}

/**
 * The `fetch` openid-client is given (its `customFetch` hook) for one provider: plain http is
 * refused off loopback even where openid-client's `allowInsecureRequests` had to be turned on for a
 * loopback issuer, every provider answer is read through `maxResponseBytes` before openid-client
 * sees it, and the token request and response are shaped by the provider's quirks. The only
 * requests of openid-client to no endpoint of the provider (`other`) are the application's API
 * calls (`req.oauth.fetch()`), whose bodies are the application's to read.
 */
export function createProviderFetch(options: ProviderHttpOptions): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    refusePlainHttp(target, options.allowInsecureHttp);
    const limit = options.maxResponseBytes;
    const bound = limit === undefined ? undefined : boundOf(options, target, init, limit);
    const quirks = options.quirks;
    if (quirks === undefined || !isTokenRequest(target, init.method, init.body, options)) {
      const response = await send(options, target, init as RequestInit);
      return bound === undefined || bound.endpoint === 'other'
        ? response
        : boundResponse(response, bound);
    }
    const response = await send(options, target, shapeTokenRequest(init, quirks) as RequestInit);
    return shapeTokenResponse(response, quirks, bound);
  };
}

/**
 * `fetch` for adapters, profile calls and the JWKS: the same plain-http policy, and the timeout,
 * which covers the body too when it is read through `maxResponseBytes`.
 */
export function createTimedFetch(
  options: ProviderHttpOptions,
): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const target = new URL(url);
    refusePlainHttp(target, options.allowInsecureHttp);
    const timeout = AbortSignal.timeout(options.timeout);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await send(options, target, { redirect: 'manual', ...init, signal });
    const limit = options.maxResponseBytes;
    if (limit === undefined) return response;
    return boundResponse(response, boundOf(options, target, { signal }, limit));
  };
}
