/**
 * Raw HTTP for the fuzzing: the request target is sent as built, not normalised by a URL parser,
 * and the encoders make adversarial text sendable the way a browser would.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  method?: string;
  /** Request target; see toTarget() for the characters Node cannot send. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawHttpClient {
  send(request: RawRequest): Promise<RawResponse>;
  /** Destroys the kept-alive sockets. */
  close(): void;
}

/** A keep-alive client for the app listening on 127.0.0.1:`port`. */
export function createRawHttpClient(port: number): RawHttpClient {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    send: (request) => send(port, keepAlive, request),
    close: () => keepAlive.destroy(),
  };
}

function send(port: number, agent: http.Agent, request: RawRequest): Promise<RawResponse> {
  const body = request.body;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: request.method ?? 'GET',
        path: request.path,
        headers: {
          ...request.headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      },
    );
    // The app may answer before reading a huge body; a write error after the answer is not ours.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.end(body);
  });
}

export const cookieOf = (response: RawResponse): string | undefined =>
  response.headers['set-cookie']?.map((cookie) => cookie.split(';')[0]).join('; ');

export const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');

export const formEncode = (value: string): string =>
  value.replace(/[^A-Za-z0-9\-._~]/gu, percentEncode);

/**
 * Node's client refuses a request target with characters outside \x21-\xff
 * (ERR_UNESCAPED_CHARACTERS), and its server answers 400 itself, before Express, to \x7f-\xff. So
 * every character outside \x21-\x7e is percent-encoded (as UTF-8; a lone surrogate becomes
 * U+FFFD): browsers do the same, and the app sees the adversarial text decoded.
 */
export const toTarget = (raw: string): string => raw.replace(/[^\x21-\x7e]/gu, percentEncode);

/** Node refuses header values with controls other than tab, or characters above \xff. */
export const toHeaderValue = (raw: string): string =>
  Buffer.from(raw, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
