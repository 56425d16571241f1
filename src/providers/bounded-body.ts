import { OAuthError } from '../errors.js';
import type { OAuthEndpointKind } from '../observability/events.js';

/**
 * The one size limit on what a provider sends: every provider response (discovery, JWKS, PAR,
 * token, userinfo, revocation, introspection, adapters' requests, the token client's) is read here,
 * once, into a buffer of at most `limit` bytes, before openid-client, jose or an adapter reads it.
 * A larger body is cancelled as soon as it passes the limit (at once when its `Content-Length`
 * says so), so a hostile or broken provider costs at most `limit` bytes per request. A body that
 * stalls is reported as the timeout it is, not as the used body the reader later finds.
 */

/** `maxResponseBytes` when the application sets none: 1 MiB, far above any honest answer. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Where a provider response was read, for the error that names the endpoint and the limit. */
export interface ResponseBound {
  readonly endpoint: OAuthEndpointKind;
  /** Bytes. */
  readonly limit: number;
  /** The request's signal (its timeout): aborting it ends a stalled read. */
  readonly signal?: AbortSignal | null | undefined;
}

function tooLarge(bound: ResponseBound): OAuthError {
  const { endpoint, limit } = bound;
  return new OAuthError(
    `the provider's ${endpoint} response is larger than ${limit} bytes ("maxResponseBytes"); it was not read`,
    { code: 'OAUTH_INVALID_RESPONSE', cause: { endpoint, limit } },
  );
}

function stalled(bound: ResponseBound, reason: unknown): OAuthError {
  return new OAuthError(
    `the provider did not finish its ${bound.endpoint} response in time ("timeout")`,
    { code: 'OAUTH_PROVIDER_TIMEOUT', cause: reason },
  );
}

/** The declared length of an unencoded body; a compressed body's length says nothing of its size. */
function declaredLength(headers: Headers): number | undefined {
  const encoding = headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return undefined;
  const value = headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

function cancel(stream: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>) {
  // The body is abandoned; a failure to cancel it changes nothing for the caller.
  stream.cancel().catch(() => undefined);
}

/** One chunk, or the signal's abort: a body that stops arriving ends with the request's timeout. */
function nextChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal | null | undefined,
): Promise<ReadResult> {
  if (signal === null || signal === undefined) return reader.read();
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    reader.read().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * The whole body of `response`, at most `bound.limit` bytes, read once. Throws
 * `OAUTH_INVALID_RESPONSE` (cause `{ endpoint, limit }`) beyond the limit, and
 * `OAUTH_PROVIDER_TIMEOUT` when the request's signal aborts while the body is still arriving.
 */
export async function readBoundedBody(
  response: Response,
  bound: ResponseBound,
): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const declared = declaredLength(response.headers);
  if (declared !== undefined && declared > bound.limit) {
    cancel(body);
    throw tooLarge(bound);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let result: ReadResult;
    try {
      result = await nextChunk(reader, bound.signal);
    } catch (error) {
      cancel(reader);
      if (bound.signal?.aborted === true) throw stalled(bound, error);
      throw error;
    }
    if (result.done) break;
    size += result.value.byteLength;
    if (size > bound.limit) {
      cancel(reader);
      throw tooLarge(bound);
    }
    chunks.push(result.value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Statuses whose response cannot carry a body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A response with the same status and headers as `response` and `body` (already read, or
 * re-encoded) as its body. The old length and compression no longer apply to it.
 */
export function responseWithBody(response: Response, body: Uint8Array | string): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  const bounded = new Response(NULL_BODY.has(response.status) ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
  // Kept for whoever reads where the answer came from (the Response constructor leaves it empty).
  if (response.url !== '') Object.defineProperty(bounded, 'url', { value: response.url });
  return bounded;
}

/** `response` with its body read through the limit, for readers that take a `Response`. */
export async function boundResponse(response: Response, bound: ResponseBound): Promise<Response> {
  // A status the constructor cannot rebuild (an opaque redirect's 0) has no body worth reading.
  if (response.status < 200 || response.status > 599) {
    if (response.body !== null) cancel(response.body);
    return response;
  }
  return responseWithBody(response, await readBoundedBody(response, bound));
}
