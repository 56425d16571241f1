import type { CustomFetch } from 'openid-client';
import { OAuthError } from '../errors.js';
import { isLoopbackHost } from '../option-readers.js';
import { retryAfterSeconds } from '../provider-errors.js';
import type { ProviderOperation } from '../provider-errors.js';
import type { OAuthQuirks } from '../provider-types.js';

/** What shapes a provider's HTTP: its plain-http policy, its timeout and its quirks. */
export interface ProviderHttpOptions {
  readonly allowInsecureHttp: boolean;
  /** Milliseconds. */
  readonly timeout: number;
  readonly tokenEndpoint?: URL | undefined;
  readonly quirks?: Required<OAuthQuirks> | undefined;
}

function refuseInsecure(url: URL, options: ProviderHttpOptions): void {
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !options.allowInsecureHttp) {
    throw new OAuthError(
      `the provider points to ${url.origin} over plain http, which is refused off loopback`,
      { code: 'OAUTH_INVALID_RESPONSE' },
    );
  }
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

/** Rewrites a token request the way the provider's quirks say. */
function shapeTokenRequest(
  body: unknown,
  headers: Record<string, string>,
  quirks: Required<OAuthQuirks>,
): { body: unknown; headers: Record<string, string> } {
  if (!(body instanceof URLSearchParams)) return { body, headers };
  const params = new URLSearchParams(body);
  // Generic PHP provider (seed 004): its token.php takes code, client_id and client_secret only.
  if (!quirks.sendGrantType) params.delete('grant_type');
  if (!quirks.sendRedirectUri) params.delete('redirect_uri');
  for (const [name, value] of Object.entries(quirks.tokenParams)) params.set(name, value);
  if (quirks.tokenRequestFormat === 'form') return { body: params, headers };
  const json: Record<string, string> = Object.fromEntries(params);
  const shaped = Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
  );
  return { body: JSON.stringify(json), headers: { ...shaped, 'content-type': 'application/json' } };
}

/**
 * The JSON object a response carries, read from a clone so the response itself stays unread;
 * undefined when it carries anything else (which is then left for openid-client to report).
 */
export async function peekJsonObject(
  response: Response,
): Promise<Record<string, unknown> | undefined> {
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return undefined;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return { ...(body as Record<string, unknown>) };
}

/** A response with the same status and headers as `response` and `body` as its JSON. */
export function withJsonBody(response: Response, body: Record<string, unknown>): Response {
  const headers = new Headers(response.headers);
  // The body is re-encoded as plain JSON: its old length and compression no longer apply.
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(JSON.stringify(body), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/** Normalises a token response the way the provider's quirks say, before openid-client reads it. */
async function shapeTokenResponse(
  response: Response,
  quirks: Required<OAuthQuirks>,
): Promise<Response> {
  const shaped = await peekJsonObject(response);
  if (shaped === undefined) return response;
  if (typeof shaped.error === 'string' && quirks.errorCodes[shaped.error] !== undefined) {
    shaped.error = quirks.errorCodes[shaped.error];
  }
  if (typeof shaped.access_token === 'string') {
    // Some providers leave token_type out although RFC 6749 requires it; it can only be Bearer.
    if (shaped.token_type === undefined) shaped.token_type = 'Bearer';
    // Financefeast: the token response carries expires_at; prefer it over expires_in.
    if (
      typeof shaped.expires_at === 'number' &&
      (quirks.preferExpiresAt || typeof shaped.expires_in !== 'number')
    ) {
      shaped.expires_in = Math.max(0, Math.floor(shaped.expires_at - Date.now() / 1000));
    }
  }
  return withJsonBody(response, shaped);
}

/**
 * The `fetch` openid-client is given (its `customFetch` hook) for one provider: plain http is
 * refused off loopback even where openid-client's `allowInsecureRequests` had to be turned on for a
 * loopback issuer, and the token request and response are shaped by the provider's quirks.
 */
export function createProviderFetch(options: ProviderHttpOptions): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    refuseInsecure(target, options);
    const quirks = options.quirks;
    if (quirks === undefined || !isTokenRequest(target, init.method, init.body, options)) {
      return fetch(url, init as RequestInit);
    }
    const shaped = shapeTokenRequest(init.body, init.headers, quirks);
    const response = await fetch(url, {
      ...(init as RequestInit),
      body: shaped.body as RequestInit['body'],
      headers: shaped.headers,
    });
    return shapeTokenResponse(response, quirks);
  };
}

/** `fetch` for adapters and profile calls: the same plain-http policy, and the timeout. */
export function createTimedFetch(
  options: ProviderHttpOptions,
): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return (url, init) => {
    refuseInsecure(new URL(url), options);
    const timeout = AbortSignal.timeout(options.timeout);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(url, { redirect: 'manual', ...init, signal });
  };
}

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a provider's JSON answer, turning each HTTP failure into the typed error a developer can
 * act on. Nothing is retried here: a 429 is reported with when to try again.
 */
export async function readProviderJson(
  response: Response,
  operation: ProviderOperation,
  errorCodes: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  let body: unknown;
  const text = await response.text();
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const rawError = stringField(body, 'error');
  const error = rawError === undefined ? undefined : (errorCodes[rawError] ?? rawError);
  const details = {
    ...(error === undefined ? {} : { error }),
    ...(stringField(body, 'error_description') === undefined
      ? {}
      : { errorDescription: stringField(body, 'error_description') }),
  };
  if (response.status === 429) {
    const retryAfter = retryAfterSeconds(response.headers);
    throw new OAuthError(`the provider is rate limiting requests (${operation})`, {
      code: 'OAUTH_RATE_LIMITED',
      ...details,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  if (response.status >= 500) {
    throw new OAuthError(`the provider answered HTTP ${response.status} (${operation})`, {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      ...details,
    });
  }
  if (response.status === 401 && operation !== 'token') {
    throw new OAuthError(`the provider refused the access token (${operation})`, {
      code: 'OAUTH_LOGIN_REQUIRED',
      ...details,
    });
  }
  if (!response.ok) {
    throw new OAuthError(`the provider answered HTTP ${response.status} (${operation})`, {
      code: error === 'invalid_grant' ? 'OAUTH_INVALID_GRANT' : 'OAUTH_PROVIDER_ERROR',
      ...details,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(
      `the provider answered something other than a JSON object (${operation})`,
      {
        code: 'OAUTH_INVALID_RESPONSE',
      },
    );
  }
  return body as Record<string, unknown>;
}
