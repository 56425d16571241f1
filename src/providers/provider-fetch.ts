import type { CustomFetch } from 'openid-client';
import type { ResolvedQuirks } from '../options/provider.js';
import { refusePlainHttp } from './plain-http.js';
import { shapeTokenRequest, shapeTokenResponse } from './token-shape.js';

/** What shapes a provider's HTTP: its plain-http policy, its timeout and its quirks. */
export interface ProviderHttpOptions {
  readonly allowInsecureHttp: boolean;
  /** Milliseconds. */
  readonly timeout: number;
  readonly tokenEndpoint?: URL | undefined;
  readonly quirks?: ResolvedQuirks | undefined;
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
 * loopback issuer, and the token request and response are shaped by the provider's quirks.
 */
export function createProviderFetch(options: ProviderHttpOptions): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    refusePlainHttp(target, options.allowInsecureHttp);
    const quirks = options.quirks;
    if (quirks === undefined || !isTokenRequest(target, init.method, init.body, options)) {
      return fetch(url, init as RequestInit);
    }
    const response = await fetch(url, shapeTokenRequest(init, quirks) as RequestInit);
    return shapeTokenResponse(response, quirks);
  };
}

/** `fetch` for adapters and profile calls: the same plain-http policy, and the timeout. */
export function createTimedFetch(
  options: ProviderHttpOptions,
): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return (url, init) => {
    refusePlainHttp(new URL(url), options.allowInsecureHttp);
    const timeout = AbortSignal.timeout(options.timeout);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(url, { redirect: 'manual', ...init, signal });
  };
}
