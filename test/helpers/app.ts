import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { RequestHandler } from 'express';
import session from 'express-session';
import type { CookieOptions, Store } from 'express-session';
import { OAuthError, oauthMiddleware, requireAuth } from '../../src/index.js';
import type { OAuthMiddlewareOptions, OAuthRouter } from '../../src/index.js';
import { readSignedIn } from '../../src/session/sign-in.js';
import { createSecretKeys } from '../../src/session/secret-keys.js';

/** Options without baseURL (and secret), for each form the middleware accepts. */
type WithoutBaseURL<T> = T extends unknown
  ? Omit<T, 'baseURL' | 'secret'> & { baseURL?: string; secret?: string | readonly string[] }
  : never;

/**
 * The secret of every fixture app, as instances behind one load balancer share it (and the same
 * value as express-session's, as the README's quick start does).
 */
export const TEST_SECRET = 'test-session-secret-that-is-long-enough';

/** The Express app under test, on a free loopback port. */
export interface TestApp {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  server: Server;
  /** The router oauthMiddleware() returned. */
  router: OAuthRouter;
  /** Everything the middleware logged, so tests can assert that no token reached a log line. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Options of oauthMiddleware(); `baseURL` defaults to the app's own URL. */
  oauth: (baseURL: string) => WithoutBaseURL<OAuthMiddlewareOptions>;
  /** Mount express-session (default true), to prove the missing-session error. */
  session?: boolean;
  /**
   * The express-session store; default its MemoryStore, one per app. Apps whose stores share a
   * backend (connect-redis on one Redis) share their sessions: the secret and cookie name are
   * the same for every app, as they must be for instances behind one load balancer.
   */
  store?: Store;
  /** express-session's cookie options; default httpOnly and sameSite lax. */
  cookie?: CookieOptions;
  /** Extra routes mounted after the middleware. */
  routes?: (app: express.Express) => void;
}

const handler =
  (fn: (...args: Parameters<RequestHandler>) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

/**
 * The fixture app: express-session (its memory store unless given another), the middleware, and
 * a few routes that exercise req.oauthUser and req.oauth the way an application would.
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const app = express();
  const logs: string[] = [];
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  if (options.session !== false) {
    app.use(
      session({
        ...(options.store === undefined ? {} : { store: options.store }),
        secret: TEST_SECRET,
        resave: false,
        saveUninitialized: false,
        cookie: options.cookie ?? { httpOnly: true, sameSite: 'lax' },
      }),
    );
  }
  const oauth = options.oauth(url);
  const router = oauthMiddleware({
    secret: TEST_SECRET,
    logger: {
      warn: (message) => logs.push(`warn: ${message}`),
      error: (message, error) => logs.push(`error: ${message} ${String(error)}`),
    },
    ...oauth,
    baseURL: oauth.baseURL ?? url,
  } as OAuthMiddlewareOptions);
  app.use(router);
  app.get('/', (req, res) => {
    res.json({ signedIn: req.oauth.isAuthenticated(), user: req.oauthUser ?? null });
  });
  app.get('/me', requireAuth(), (req, res) => {
    res.json(req.oauthUser);
  });
  app.get(
    '/access-token',
    requireAuth(),
    handler(async (req, res) => {
      const token = await req.oauth.getAccessToken();
      // A fingerprint, not the token: tests compare tokens without any response carrying one.
      res.json({ fingerprint: createHash('sha256').update(token).digest('hex').slice(0, 16) });
    }),
  );
  app.get(
    '/userinfo',
    requireAuth(),
    handler(async (req, res) => {
      res.json(await req.oauth.fetchUserInfo());
    }),
  );
  // The session as the tests inspect it: the tokens decrypted (they are sealed at rest), and the
  // stored form itself under `raw`.
  const keys = createSecretKeys(
    typeof oauth.secret === 'string' ? [oauth.secret] : (oauth.secret ?? [TEST_SECRET]),
  );
  app.get(
    '/session',
    handler(async (req, res) => {
      const raw = req.session.oauth;
      if (raw === undefined) {
        res.json({ id: req.sessionID, oauth: null });
        return;
      }
      // The tokens live in their own store entry: shown opened.
      const { tokens: _summary, ...rest } = raw;
      const opened: Record<string, unknown> = { ...rest };
      const signedIn = await readSignedIn(req, keys);
      if (signedIn !== undefined) {
        opened.tokens = signedIn.authentication.tokens;
        if (Object.keys(signedIn.resources).length > 0) opened.resourceTokens = signedIn.resources;
      }
      res.json({ id: req.sessionID, oauth: opened, raw });
    }),
  );
  app.get(
    '/custom-login',
    handler(async (req) => {
      await req.oauth.login({ returnTo: '/from-custom', authorizationParams: { prompt: 'login' } });
    }),
  );
  // The application's own use of the session (a cart, a preference): a session that exists before
  // any login, as the one an attacker would plant (session fixation).
  app.get('/remember', (req, res) => {
    Object.assign(req.session, { remembered: true });
    res.json({ id: req.sessionID });
  });
  app.post(
    '/local-logout',
    handler(async (req, res) => {
      await req.oauth.logout();
      res.json({ signedIn: req.oauthUser !== undefined });
    }),
  );
  options.routes?.(app);
  // What an application's own error handler does with errors thrown by req.oauth methods.
  app.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      if (error instanceof OAuthError) {
        res.status(error.status).json({ code: error.code, message: error.message });
        return;
      }
      res.status(500).json({ code: 'APP_ERROR' });
    },
  );
  return {
    url,
    port,
    server,
    router,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `test` against a fresh app, closed afterwards whatever happens. */
export async function withTestApp(
  options: TestAppOptions,
  test: (app: TestApp) => Promise<void>,
): Promise<void> {
  const app = await startTestApp(options);
  try {
    await test(app);
  } finally {
    await app.close();
  }
}
