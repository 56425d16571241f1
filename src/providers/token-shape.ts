import type { ResolvedQuirks } from '../options/quirks.js';
import { readBoundedBody, responseWithBody } from './bounded-body.js';
import type { ResponseBound } from './bounded-body.js';

/**
 * Token requests and responses reshaped the way a provider's quirks say, before openid-client
 * sends or reads them. The JSON body rewrite is shared with the token client.
 */

/** `init` of a form-encoded token request turned into a JSON one, for APIs that read JSON only. */
export function jsonTokenRequest<T extends { body?: unknown; headers?: unknown }>(init: T): T {
  if (!(init.body instanceof URLSearchParams)) return init;
  const headers = Object.fromEntries(
    Object.entries(init.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type'),
  );
  return {
    ...init,
    body: JSON.stringify(Object.fromEntries(init.body)),
    headers: { ...headers, 'content-type': 'application/json' },
  };
}

/** Rewrites a token request's parameters the way the provider's quirks say. */
export function shapeTokenRequest<T extends { body?: unknown; headers?: unknown }>(
  init: T,
  quirks: ResolvedQuirks,
): T {
  if (!(init.body instanceof URLSearchParams)) return init;
  const params = new URLSearchParams(init.body);
  // The generic PHP OAuth 2.0 API: its token.php takes code, client_id and client_secret only.
  if (!quirks.sendGrantType) params.delete('grant_type');
  if (!quirks.sendRedirectUri) params.delete('redirect_uri');
  for (const [name, value] of Object.entries(quirks.tokenParams)) params.set(name, value);
  const shaped = { ...init, body: params };
  return quirks.tokenRequestFormat === 'json' ? jsonTokenRequest(shaped) : shaped;
}

/**
 * The JSON object a body already read carries; undefined when it carries anything else (which is
 * then left for openid-client to report).
 */
export function jsonObjectOf(
  headers: Headers,
  body: Uint8Array,
): Record<string, unknown> | undefined {
  if (!/json/i.test(headers.get('content-type') ?? '')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * A token response's body, read once: through the limit when there is one, whole otherwise (a
 * test or a caller that bounds elsewhere).
 */
export async function readTokenBody(
  response: Response,
  bound: ResponseBound | undefined,
): Promise<Uint8Array> {
  if (bound !== undefined) return readBoundedBody(response, bound);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Repairs a token response: a provider's own error names mapped to RFC 6749's, a missing
 * `token_type` (RFC 6749 §5.1 requires it; it can only be Bearer here), and `expires_at`
 * turned into `expires_in`.
 */
export async function shapeTokenResponse(
  response: Response,
  quirks: ResolvedQuirks,
  bound?: ResponseBound,
): Promise<Response> {
  const body = await readTokenBody(response, bound);
  const shaped = jsonObjectOf(response.headers, body);
  if (shaped === undefined) return responseWithBody(response, body);
  let changed = false;
  if (typeof shaped.error === 'string' && quirks.errorCodes[shaped.error] !== undefined) {
    shaped.error = quirks.errorCodes[shaped.error];
    changed = true;
  }
  if (typeof shaped.access_token === 'string') {
    if (shaped.token_type === undefined) {
      shaped.token_type = 'Bearer';
      changed = true;
    }
    // Financefeast: the token response carries expires_at; prefer it over expires_in.
    if (
      typeof shaped.expires_at === 'number' &&
      (quirks.preferExpiresAt || typeof shaped.expires_in !== 'number')
    ) {
      shaped.expires_in = Math.max(0, Math.floor(shaped.expires_at - Date.now() / 1000));
      changed = true;
    }
  }
  return responseWithBody(response, changed ? JSON.stringify(shaped) : body);
}
