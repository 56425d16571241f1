/**
 * Shared plumbing for the provider simulators: an HTTP server on 127.0.0.1 that records
 * every request and closes cleanly, and small request/reply helpers. The login page and the
 * authorization-code bookkeeping live in `code-flow.ts`.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as a simulator received it. */
export interface RecordedRequest {
  /** Which server of the simulator answered (`'main'` unless the simulator runs several). */
  readonly server: string;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The query string, last value wins for repeated names. */
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The raw request body as text (empty for GET). */
  readonly body: string;
}

/** What a route handler receives: the recorded request plus the parsed URL. */
export interface SimulatorRequest extends RecordedRequest {
  readonly url: URL;
}

/** A route handler; it must end the response. */
export type SimulatorHandler = (req: SimulatorRequest, res: ServerResponse) => void | Promise<void>;

/** A running simulator HTTP server. */
export interface SimulatorServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Options shared by every `start*Simulator()` function. */
export interface SimulatorBaseOptions {
  /** Port to listen on; 0 (the default) picks a free one. Always bound to 127.0.0.1. */
  readonly port?: number;
  /** Clock in epoch milliseconds; defaults to `Date.now`, so fake timers drive expiry. */
  readonly now?: () => number;
}

/** What every simulator exposes for assertions. */
export interface SimulatorRecorder {
  /** Every request received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** How many requests reached `path` (optionally on one named server). */
  count(path: string, server?: string): number;
}

const MAX_BODY_BYTES = 1_000_000;

/**
 * Every simulator's favicon, drawn inline: browsers ask for /favicon.ico, which would otherwise
 * be a 404 on every login page. Not part of any provider's protocol, so it is not recorded.
 */
export const SIMULATOR_FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
  'rx="16" fill="#334155"/><path d="M10 17l4 4 8-10" fill="none" stroke="#fff" ' +
  'stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';

/**
 * Starts an HTTP server on 127.0.0.1 that records each request into `log` before the
 * handler runs, and answers 500 JSON if the handler throws.
 */
export async function startSimulatorServer(
  handler: SimulatorHandler,
  options: { readonly port?: number; readonly log: RecordedRequest[]; readonly name?: string },
): Promise<SimulatorServer> {
  const sockets = new Set<Socket>();
  const name = options.name ?? 'main';
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Track sockets so close() can destroy keep-alive connections fetch leaves open.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && (req.url === '/favicon.ico' || req.url === '/favicon.svg')) {
      res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' });
      res.end(SIMULATOR_FAVICON);
      return;
    }
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        server: name,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      options.log.push(recorded);
      await handler({ ...recorded, url }, res);
    } catch (error) {
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'server_error', error_description: String(error) });
      } else {
        res.destroy();
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The first of `items`, which a simulator needs at least one of (a client, a user...). */
export function first<T>(items: readonly T[], what: string): T {
  const [item] = items;
  if (item === undefined) throw new Error(`the simulator needs at least one ${what}`);
  return item;
}

/** Builds the `requests`/`count()` pair over a request log. */
export function createRecorder(log: readonly RecordedRequest[]): SimulatorRecorder {
  return {
    requests: log,
    count: (path, server) =>
      log.filter((r) => r.path === path && (server === undefined || r.server === server)).length,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends a JSON body with `Cache-Control: no-store` (token responses must not be cached). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** Sends an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

/** Sends a 302 redirect. */
export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}

/** True when the body was sent as `application/x-www-form-urlencoded`. */
export function isFormEncoded(req: RecordedRequest): boolean {
  return (req.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded');
}

/** Parses a form-encoded body. */
export function parseForm(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/** Returns `url` with `params` appended to its query (undefined values are skipped). */
export function withParams(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.append(key, value);
  }
  return target.href;
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(req: RecordedRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** The user and password of an `Authorization: Basic` header, if any. */
export function basicCredentials(
  req: RecordedRequest,
): { readonly user: string; readonly password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** An unguessable URL-safe token. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Sends an RFC 6749 §5.2 style error body `{ error, error_description }`. */
export function sendOAuthError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error, error_description: description }, headers);
}
