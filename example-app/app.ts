/**
 * The example app: an Express server that signs users in with OpenID Connect through
 * `express-oauth-rp`.
 *
 * With no configuration it brings its own identity provider (embedded-provider.ts, mounted under
 * /oidc), so the whole login works offline. Set OIDC_ISSUER, OIDC_CLIENT_ID and
 * OIDC_CLIENT_SECRET to use a real provider instead; register `<BASE_URL>/callback` as its
 * redirect URI and `<BASE_URL>/` as its post-logout redirect URI.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { OAuthError, oauthMiddleware, requireAuth } from 'express-oauth-rp';
import type { OAuthErrorCode, OAuthOptions } from 'express-oauth-rp';

import { createEmbeddedProvider, DEMO_LOGIN } from './embedded-provider.js';
import { errorPage, homePage, profilePage } from './views.js';
import type { ErrorView, PageContext } from './views.js';

export interface ExampleAppOptions {
  /** The port the server will listen on (part of the default base URL and embedded issuer). */
  port: number;
  /** The host name in the default base URL. Default `localhost`. */
  host?: string;
  /** Where configuration is read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface ExampleApp {
  /** The Express app; the caller listens. */
  app: express.Express;
  /** Where the app expects to be reached, e.g. `http://localhost:3000`. */
  baseURL: string;
  /** Which identity provider signs users in, for humans. */
  providerLabel: string;
  /** The login name to type at the embedded provider; undefined with a real provider. */
  demoLogin: string | undefined;
}

/** A start-up configuration mistake; its message says what to set. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const PROVIDER_VARIABLES = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;

type ProviderSettings = Pick<OAuthOptions, 'issuer' | 'clientId' | 'clientSecret'> & {
  label: string;
  demoLogin: string | undefined;
  fetchUserInfo: boolean;
  /** The embedded provider, mounted at /oidc. */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
};

async function providerSettings(
  env: NodeJS.ProcessEnv,
  baseURL: string,
): Promise<ProviderSettings> {
  const [issuer, clientId, clientSecret] = PROVIDER_VARIABLES.map((name) => env[name]?.trim());
  if (!issuer && !clientId && !clientSecret) {
    const op = await createEmbeddedProvider({
      issuer: `${baseURL}/oidc`,
      redirectUris: [`${baseURL}/callback`],
      postLogoutRedirectUris: [`${baseURL}/`],
    });
    return {
      issuer: `${baseURL}/oidc`,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      label: 'the embedded demo provider',
      demoLogin: DEMO_LOGIN,
      // The embedded provider puts name and email in the ID token already.
      fetchUserInfo: false,
      handler: op.handler,
    };
  }
  if (!issuer || !clientId || !clientSecret) {
    const missing = PROVIDER_VARIABLES.filter((name) => !env[name]?.trim());
    throw new ConfigurationError(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. To use your own ` +
        `OpenID Provider set all of ${PROVIDER_VARIABLES.join(', ')}; unset all three to use ` +
        'the embedded demo provider.',
    );
  }
  if (!URL.canParse(issuer)) {
    throw new ConfigurationError(`OIDC_ISSUER must be an absolute URL, got "${issuer}".`);
  }
  return {
    issuer,
    clientId,
    clientSecret,
    label: new URL(issuer).host,
    demoLogin: undefined,
    // Many providers keep profile claims out of the ID token; ask the userinfo endpoint too.
    fetchUserInfo: true,
  };
}

function readBaseURL(env: NodeJS.ProcessEnv, host: string, port: number): string {
  const raw = env.BASE_URL?.trim() || `http://${host}:${port}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol);
    return url.href.replace(/\/+$/, '');
  } catch {
    throw new ConfigurationError(`BASE_URL must be an absolute http(s) URL, got "${raw}".`);
  }
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** Friendlier words than the middleware's developer-facing messages, for a few common codes. */
const FRIENDLY: Partial<Record<OAuthErrorCode, { title: string; message: string }>> = {
  OAUTH_ACCESS_DENIED: {
    title: 'Sign-in cancelled',
    message: 'You did not allow this app to know who you are, so nothing was shared.',
  },
  OAUTH_LOGIN_REQUIRED: {
    title: 'Please sign in',
    message: 'This page is only for signed-in users.',
  },
  OAUTH_CROSS_SITE_REQUEST: {
    title: 'Logout refused',
    message: 'Logging out must be requested from this app itself, not from another site.',
  },
  OAUTH_TRANSACTION_EXPIRED: {
    title: 'Sign-in took too long',
    message: 'The sign-in expired before it was finished. Please start again.',
  },
};

function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}

export async function createExampleApp(options: ExampleAppOptions): Promise<ExampleApp> {
  const env = options.env ?? process.env;
  const baseURL = readBaseURL(env, options.host ?? 'localhost', options.port);
  const provider = await providerSettings(env, baseURL);
  const secureCookies = baseURL.startsWith('https:');

  const app = express();
  app.disable('x-powered-by');
  // Behind an https BASE_URL the app is assumed to sit behind one TLS-terminating proxy, which
  // express-session must trust to set a `secure` cookie.
  if (secureCookies) app.set('trust proxy', 1);

  // 1. The embedded provider first: its pages carry their own inline styles and forms, and it
  //    parses its own request bodies, so neither helmet nor a body parser may run before it.
  if (provider.handler !== undefined) app.use('/oidc', provider.handler);

  // 2. Security headers. No inline script or style anywhere, so the CSP can be strict.
  const issuerOrigin = new URL(provider.issuer).origin;
  const formTargets = issuerOrigin === new URL(baseURL).origin ? [] : [issuerOrigin];
  app.use(
    helmet({
      // HSTS means nothing over http, and would pin every other app on localhost to https.
      strictTransportSecurity: secureCookies,
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          // Profile pictures are hosted by the identity provider.
          'img-src': ["'self'", 'data:', 'https:'],
          // The logout form is redirected to the provider's end-session endpoint, which
          // browsers check against form-action too.
          'form-action': ["'self'", ...formTargets],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': secureCookies ? [] : null,
        },
      },
    }),
  );
  app.use(express.static(PUBLIC_DIR, { index: false }));

  // 3. Sessions. A random secret per start signs everyone out on restart, which is fine for a
  //    demo. Production needs a fixed SESSION_SECRET (from a secret store) and a real session
  //    store such as connect-redis: the default MemoryStore leaks and is per process.
  app.use(
    session({
      name: 'example.sid',
      secret: env.SESSION_SECRET || randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
    }),
  );

  // 4. The relying party: GET /login, GET /callback, POST /logout, req.oauthUser and req.oauth.
  app.use(
    oauthMiddleware({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      baseURL,
      scope: env.OIDC_SCOPE?.trim() || 'openid profile email',
      fetchUserInfo: provider.fetchUserInfo,
      postLogoutRedirect: '/',
      // Failures of the flow go to the app's error handler below, so they look like the app.
      onError: (error, _req, _res, next) => next(error),
    }),
  );

  const context = (req: Request): PageContext => ({
    user: req.oauthUser,
    providerLabel: provider.label,
    demoLogin: provider.demoLogin,
  });

  app.get('/', (req, res) => {
    res.type('html').send(homePage(context(req)));
  });

  app.get('/profile', requireAuth(), (req, res, next) => {
    const user = req.oauthUser;
    if (user === undefined) return next(); // never: requireAuth() let the request through
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(profilePage({ ...context(req), user }));
  });

  // A protected JSON endpoint: 401 JSON for API clients without a session (browsers that ask
  // for HTML are sent to log in instead).
  app.get('/api/me', requireAuth(), (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(req.oauthUser);
  });

  app.use((req, res) => {
    sendError(req, res, { status: 404, title: 'Page not found', message: 'Nothing lives here.' });
  });

  // Last: every error, from the middleware (via onError) or a route, without a stack trace.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof OAuthError) {
      if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
      const friendly = FRIENDLY[error.code];
      sendError(req, res, {
        status: error.status,
        json: { code: error.code, message: error.message },
        title: friendly?.title ?? (error.status >= 500 ? 'Sign-in unavailable' : 'Sign-in failed'),
        message: friendly?.message ?? sentence(error.message),
        code: error.code,
        ...(error.error === undefined
          ? {}
          : {
              providerError: [error.error, error.errorDescription].filter(Boolean).join(': '),
            }),
      });
      return;
    }
    console.error('[example-app] unexpected error:', error);
    sendError(req, res, {
      status: 500,
      title: 'Something went wrong',
      message: 'An unexpected error occurred. It has been logged.',
    });
  });

  /** The page for browsers; JSON for the API and clients that do not ask for HTML. */
  function sendError(
    req: Request,
    res: Response,
    view: ErrorView & { json?: { code: string; message: string } },
  ): void {
    res.status(view.status).setHeader('Cache-Control', 'no-store');
    if (req.path.startsWith('/api/') || req.accepts(['json', 'html']) === 'json') {
      res.json({
        status: view.status,
        ...(view.json ?? { code: 'APP_ERROR', message: view.message }),
      });
      return;
    }
    res.type('html').send(errorPage(context(req), view));
  }

  return { app, baseURL, providerLabel: provider.label, demoLogin: provider.demoLogin };
}
