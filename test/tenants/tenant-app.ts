/**
 * One Express app serving two tenants on two loopback hostnames, `127.0.0.1` and `127.0.0.2`
 * (`*.localhost` names do not resolve in Node 20 without a resolver that knows them; every
 * 127.0.0.0/8 address is loopback on Linux, so these are two real hosts of one machine). Each
 * address has its own listener, so a browser (a supertest agent per host) keeps one cookie per
 * tenant, as it would for `acme.app.example.com` and `globex.app.example.com`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RequestHandler } from 'express';
import session from 'express-session';
import { OAuthError, oauthMiddleware, requireAuth } from '../../src/index.js';
import type { OAuthMiddleware, OAuthSharedOptions, OAuthTenantProviders } from '../../src/index.js';
import { TEST_SECRET } from '../helpers/app.js';

export interface TenantApp {
  /** Tenant A's origin, e.g. `http://127.0.0.1:PORT`. */
  readonly a: string;
  /** Tenant B's origin, e.g. `http://127.0.0.2:PORT`. */
  readonly b: string;
  /** The `Host` header each origin's requests carry. */
  readonly hosts: { readonly a: string; readonly b: string };
  readonly middleware: OAuthMiddleware;
  /** Everything the middleware logged. */
  readonly logs: string[];
  close(): Promise<void>;
}

export interface TenantAppOptions {
  /** The `providers` resolver; given each origin's `Host` header and origin. */
  providers: (hosts: {
    a: { host: string; origin: string };
    b: { host: string; origin: string };
  }) => OAuthTenantProviders;
  /** More shared options (routes, onError...). */
  shared?: Partial<OAuthSharedOptions>;
  /** Extra routes mounted after the middleware (API routes behind requireBearer(), say). */
  routes?: (app: express.Express) => void;
}

const handler =
  (fn: (...args: Parameters<RequestHandler>) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

function listen(server: Server, host: string): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, host, () => resolve(`${host}:${(server.address() as AddressInfo).port}`));
  });
}

export async function startTenantApp(options: TenantAppOptions): Promise<TenantApp> {
  const app = express();
  const logs: string[] = [];
  const servers = [createServer(app), createServer(app)];
  const [hostA, hostB] = [
    await listen(servers[0]!, '127.0.0.1'),
    await listen(servers[1]!, '127.0.0.2'),
  ];
  const a = `http://${hostA}`;
  const b = `http://${hostB}`;
  app.use(
    session({
      secret: 'test-session-secret-that-is-long-enough',
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  const middleware = oauthMiddleware({
    secret: TEST_SECRET,
    baseURL: a,
    logger: {
      warn: (message) => logs.push(`warn: ${message}`),
      error: (message, error) => logs.push(`error: ${message} ${String(error)}`),
    },
    ...options.shared,
    providers: options.providers({ a: { host: hostA, origin: a }, b: { host: hostB, origin: b } }),
  });
  app.use(middleware);
  app.get('/', (req, res) => {
    res.json({ signedIn: req.oauth.isAuthenticated(), user: req.oauthUser ?? null });
  });
  app.get('/me', requireAuth(), (req, res) => {
    res.json(req.oauthUser);
  });
  app.get(
    '/access-token',
    handler(async (req, res) => {
      const token = await req.oauth.getAccessToken();
      res.json({ fingerprint: createHash('sha256').update(token).digest('hex').slice(0, 16) });
    }),
  );
  app.get('/session', (req, res) => {
    res.json({ id: req.sessionID, oauth: req.session.oauth ?? null });
  });
  app.post(
    '/local-logout',
    handler(async (req, res) => {
      await req.oauth.logout();
      res.json({ signedIn: req.oauthUser !== undefined });
    }),
  );
  options.routes?.(app);
  app.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      if (error instanceof OAuthError) {
        res.status(error.status).json({ code: error.code });
        return;
      }
      res.status(500).json({ code: 'APP_ERROR' });
    },
  );
  return {
    a,
    b,
    hosts: { a: hostA, b: hostB },
    middleware,
    logs,
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

/** The session cookie (`name=value`) a response set. */
/**
 * The pending-login cookies a login response set (sealed, scoped to the callback path), as a
 * Cookie header: what a browser, or an attacker who copied them, sends with a callback.
 */
export function pendingLoginCookies(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  const pending = all.filter((value) => value.startsWith('oauth_login'));
  if (pending.length === 0) throw new Error('no pending-login cookie was set');
  return pending.map((value) => value.split(';')[0]!).join('; ');
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  const cookie = all.find((value) => value.startsWith('connect.sid='));
  if (cookie === undefined) throw new Error('no session cookie was set');
  return cookie.split(';')[0]!;
}
