import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A provider that is in none of the seeds, as a tiny inline server: the browser is sent to
 * /authorize and comes back with a single-use `ticket` and the state; the server exchanges the
 * ticket for a token (JSON POST /exchange) and names the user at GET /whoami (`X-Token` header).
 */
export interface TicketServer {
  url: string;
  /** Paths requested, oldest first. */
  paths: string[];
  /** The next /exchange answers this status (429 carries Retry-After: 9). */
  failNextExchange: number | undefined;
  close(): Promise<void>;
}

export async function startTicketServer(): Promise<TicketServer> {
  const tickets = new Set<string>();
  const tokens = new Set<string>();
  let counter = 0;
  const state: TicketServer = {
    url: '',
    paths: [],
    failNextExchange: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    state.paths.push(url.pathname);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const back = new URL(url.searchParams.get('back') ?? '');
      const ticket = `ticket-${++counter}`;
      tickets.add(ticket);
      back.searchParams.set('ticket', ticket);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/exchange') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const failure = state.failNextExchange;
        state.failNextExchange = undefined;
        if (failure === 429) return json(429, { error: 'slow_down' }, { 'retry-after': '9' });
        if (failure !== undefined) return json(failure, { error: 'server_error' });
        const { ticket } = JSON.parse(body) as { ticket?: string };
        if (ticket === undefined || !tickets.delete(ticket)) {
          return json(400, { error: 'invalid_grant', error_description: 'unknown ticket' });
        }
        const token = `token-${++counter}`;
        tokens.add(token);
        json(200, { access: token });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/whoami') {
      if (!tokens.has(String(req.headers['x-token']))) return json(401, { error: 'invalid_token' });
      return json(200, { id: 42, display: 'Ada Lovelace', mail: 'ada@example.com' });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
