import { codedTypeError } from '../errors.js';
import { allowsTransport } from '../providers/plain-http.js';
import type { ResolvedTokenClientOptions } from './options.js';

/**
 * The URL `client.fetch()` may send credentials to: relative URLs resolve against
 * `apiBaseURL`, which also pins the origin; plain http is refused off loopback, as for the token
 * endpoint, since the header it would carry is a token or a password.
 */
export function resolveApiUrl(input: string | URL, options: ResolvedTokenClientOptions): URL {
  const base = options.apiBaseURL;
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw codedTypeError(
      `client.fetch() needs an absolute URL, or "options.apiBaseURL" to resolve "${String(input)}" against`,
      'ERR_INVALID_URL',
    );
  }
  if (base !== undefined && url.origin !== base.origin) {
    throw codedTypeError(
      `client.fetch() sends credentials only to ${base.origin} ("options.apiBaseURL"), not to ${url.origin}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw codedTypeError(
      `client.fetch() takes http(s) URLs, not ${url.protocol}`,
      'ERR_INVALID_URL',
    );
  }
  if (!allowsTransport(url, options.allowInsecureHttp)) {
    throw codedTypeError(
      `client.fetch() refuses to send credentials over plain http to ${url.origin}; use https, or set "allowInsecureHttp: true"`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return url;
}

/** `init` with the `Authorization` header set, replacing any the caller gave. */
export function withAuthorization(
  init: RequestInit | undefined,
  authorization: string,
): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set('authorization', authorization);
  return { ...init, headers };
}

/** Whether a request body can be sent a second time (a stream is consumed by the first send). */
export function isReplayable(body: RequestInit['body']): boolean {
  if (body === undefined || body === null) return true;
  if (body instanceof ReadableStream) return false;
  return !(typeof body === 'object' && Symbol.asyncIterator in body);
}

/** RFC 7617: `Basic base64(user-id ":" password)`, UTF-8, without the form-encoding of RFC 6749. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
