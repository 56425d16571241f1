/**
 * The example app: an Express server that signs users in with OAuth 2.0 and OpenID Connect
 * through `express-oauth-rp`.
 *
 * With no configuration it brings its own identity providers, so every login works offline: an
 * embedded OpenID Provider (embedded-provider.ts, mounted under /oidc) and simulators of four
 * real providers on loopback ports (demo-providers.ts), one login button each, plus the Algoreg
 * simulator, whose API the /algoreg page calls server to server (algoreg-demo.ts). Set OIDC_ISSUER,
 * OIDC_CLIENT_ID and OIDC_CLIENT_SECRET to use one real provider instead; register
 * `<BASE_URL>/callback` as its redirect URI and `<BASE_URL>/` as its post-logout redirect URI.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { oauthMiddleware, requireAuth, requireAuthOrBearer } from 'express-oauth-rp';
import type { OAuthMultiProviderOptions, OAuthOidcProvider } from 'express-oauth-rp';

import { createAlgoregDemo } from './algoreg-demo.js';
import type { AlgoregDemo } from './algoreg-demo.js';

import { DEMO_PROVIDER_NAMES, startDemoProviders } from './demo-providers.js';
import type { DemoProviders, DemoSimulators } from './demo-providers.js';
import { developmentLogger } from './operations.js';
import { openIdProviderNames, SECURITY_PATH, securityPageHandlers } from './security-page.js';
import type { RecentSignInRule } from './security-page.js';
import { createSessionStore } from './session-store.js';
import type { SessionStore } from './session-store.js';
import {
  algoregPage,
  chooserPage,
  describeDemoLogin,
  errorPage,
  homePage,
  profilePage,
} from './views.js';
import type { ErrorView, ExampleProvider, PageContext } from './views.js';

export type { DemoSimulators } from './demo-providers.js';
export type { DemoLogin, ExampleProvider } from './views.js';

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
  /** The identity providers offered, in the order of the home page's login buttons. */
  providers: readonly ExampleProvider[];
  /** The simulated providers, running on 127.0.0.1; undefined with a real provider. */
  demo: DemoSimulators | undefined;
  /** Where sessions are kept, for the start-up output: Redis with REDIS_URL, else memory. */
  sessions: string;
  /**
   * An access token for `/api/me` from the embedded provider (client credentials), as another
   * service would get one; undefined with a real provider.
   */
  apiToken: (() => Promise<string>) | undefined;
  /** Stops what the app started (simulators, Redis client); the caller closes its own server. */
  close(): Promise<void>;
}

/**
 * A `curl` line that calls the protected API with a bearer token from the embedded provider, for
 * the start-up output; undefined with a real provider.
 */
export async function bearerExample(example: ExampleApp): Promise<string | undefined> {
  if (example.apiToken === undefined) return undefined;
  const token = await example.apiToken();
  return `API with a bearer token (valid one hour): curl -H "Authorization: Bearer ${token}" ${example.baseURL}/api/me`;
}

/** A start-up configuration mistake; its message says what to set. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const PROVIDER_VARIABLES = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;

/** Who signs users in: the provider part of the middleware's options, and what pages show. */
interface ProviderSetup {
  readonly middleware: OAuthOidcProvider | OAuthMultiProviderOptions;
  /** Where the browser may be sent by the logout form, besides the app itself. */
  readonly formTargets: readonly string[];
  /** Where profile pictures may come from, besides the app itself. */
  readonly imageSources: readonly string[];
  readonly providers: readonly ExampleProvider[];
  /** The demo providers; undefined with a real provider. */
  readonly demo: DemoProviders | undefined;
}

/** One real OpenID Provider from OIDC_*, in the single-provider form (`/login`, `/callback`). */
function configuredProvider(env: NodeJS.ProcessEnv, baseURL: string): ProviderSetup | undefined {
  const [issuer, clientId, clientSecret] = PROVIDER_VARIABLES.map((name) => env[name]?.trim());
  if (!issuer && !clientId && !clientSecret) return undefined;
  if (!issuer || !clientId || !clientSecret) {
    const missing = PROVIDER_VARIABLES.filter((name) => !env[name]?.trim());
    throw new ConfigurationError(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. To use your own ` +
        `OpenID Provider set all of ${PROVIDER_VARIABLES.join(', ')}; unset all three to use ` +
        'the demo providers.',
    );
  }
  if (!URL.canParse(issuer)) {
    throw new ConfigurationError(`OIDC_ISSUER must be an absolute URL, got "${issuer}".`);
  }
  const issuerOrigin = new URL(issuer).origin;
  return {
    middleware: {
      issuer,
      clientId,
      clientSecret,
      scope: env.OIDC_SCOPE?.trim() || 'openid profile email',
      // Many providers keep profile claims out of the ID token; ask the userinfo endpoint too.
      fetchUserInfo: true,
    },
    // The logout form is redirected to the provider's end-session endpoint, which browsers
    // check against form-action too.
    formTargets: issuerOrigin === new URL(baseURL).origin ? [] : [issuerOrigin],
    // A real provider's pictures are hosted wherever it likes, over https.
    imageSources: ['https:'],
    providers: [
      // The single-provider form names its provider "default".
      { name: 'default', label: new URL(issuer).host, loginPath: '/login', demoLogin: undefined },
    ],
    demo: undefined,
  };
}

/** The embedded OpenID Provider and the four sign-in simulators, as `/login/<name>` each. */
async function demoProviders(baseURL: string): Promise<ProviderSetup> {
  const demo = await startDemoProviders(baseURL);
  return {
    // No defaultProvider: GET /login (where requireAuth() sends browsers) lists them all.
    middleware: { providers: demo.providers },
    // Only `local` has an end-session endpoint, and it lives on this origin under /oidc.
    formTargets: [],
    // ALGOGENE's simulator serves its member's picture itself: nothing comes from off the machine.
    imageSources: [demo.simulators.algogene.url],
    providers: DEMO_PROVIDER_NAMES.map((name) => ({
      name,
      label: demo.providers[name].label ?? name,
      loginPath: `/login/${name}`,
      demoLogin: demo.logins[name],
      ...(name === 'local'
        ? { allowRule: 'Only verified @example.com addresses: eve@other.example is refused.' }
        : {}),
    })),
    demo,
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

/**
 * The middleware's default `clockTolerance`, named here because the security page says when a
 * sign-in stops counting as recent, which is `maxAge` plus this.
 */
const CLOCK_TOLERANCE = 60;

/**
 * How recent a sign-in the security page asks for: EXAMPLE_RECENT_SIGN_IN_SECONDS, default one
 * minute, so trying it takes no long wait.
 */
function readRecentSignIn(env: NodeJS.ProcessEnv): RecentSignInRule {
  const raw = env.EXAMPLE_RECENT_SIGN_IN_SECONDS?.trim() || '60';
  const maxAge = Number(raw);
  if (!/^\d+$/.test(raw) || maxAge < 1 || maxAge > 86_400) {
    throw new ConfigurationError(
      `EXAMPLE_RECENT_SIGN_IN_SECONDS must be a whole number of seconds from 1 to 86400, got "${raw}".`,
    );
  }
  return { maxAge, clockTolerance: CLOCK_TOLERANCE };
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** A favicon drawn inline, so no page asks for a file that is not there. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
  'rx="8" fill="#4f46e5"/><path d="M16 6l9 10-9 10-9-10z" fill="#fff"/></svg>';

/**
 * Builds the example app. With no OIDC_* variables it starts the demo providers' simulators
 * first: call `close()` when done with it.
 */
export async function createExampleApp(options: ExampleAppOptions): Promise<ExampleApp> {
  const env = options.env ?? process.env;
  const baseURL = readBaseURL(env, options.host ?? 'localhost', options.port);
  const setup = configuredProvider(env, baseURL) ?? (await demoProviders(baseURL));
  let sessions: SessionStore | undefined;
  const close = async (): Promise<void> => {
    await setup.demo?.close();
    await sessions?.close();
  };
  try {
    sessions = await createSessionStore(env);
    const app = await buildApp(env, baseURL, setup, sessions);
    return {
      app,
      baseURL,
      providers: setup.providers,
      demo: setup.demo?.simulators,
      apiToken:
        setup.demo === undefined ? undefined : () => (setup.demo as DemoProviders).apiToken(),
      sessions: sessions.description,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function buildApp(
  env: NodeJS.ProcessEnv,
  baseURL: string,
  setup: ProviderSetup,
  sessions: SessionStore,
): Promise<express.Express> {
  const secureCookies = baseURL.startsWith('https:');
  const recentSignIn = readRecentSignIn(env);
  // One secret for the session cookie and the relying party's encryption (pending logins, tokens
  // at rest): the middleware derives its own keys from it. A random one per start signs everyone
  // out on restart, which is fine for a demo; production needs a fixed SESSION_SECRET.
  const secret = env.SESSION_SECRET || randomBytes(32).toString('hex');
  const context = (req: Request): PageContext => ({
    user: req.oauthUser,
    providers: setup.providers,
    silentLogin: setup.demo !== undefined,
  });
  // The relying party: GET /login, the callback, POST /logout, req.oauthUser and req.oauth.
  // Created first because the embedded provider must know its exact redirect URI; mounted below.
  const logger = developmentLogger();
  const relyingParty = oauthMiddleware({
    baseURL,
    secret,
    ...setup.middleware,
    postLogoutRedirect: '/',
    clockTolerance: CLOCK_TOLERANCE,
    // GET /health: 200 when the providers are discovered and the lock answers, 503 otherwise.
    routes: { health: '/health' },
    // In development, pino; events are logged too (operations.ts).
    ...(logger === undefined ? {} : { logger }),
    // With Redis, one token refresh at a time across every instance (session-store.ts).
    refreshLock: sessions.refreshLock,
    // The middleware's chooser and error pages, inside the app's own layout: it hands over the
    // providers with their login URLs, and each error in words for people with a next step.
    pages: {
      chooser: (chooser, req) => chooserPage(context(req), chooser),
      error: (error, req) =>
        errorPage(context(req), {
          status: error.status,
          title: error.title,
          message: error.message,
          nextStep: error.nextStep,
          code: error.error.code,
          detail: error.error.message,
          ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
          ...(error.error.error === undefined
            ? {}
            : {
                providerError: [error.error.error, error.error.errorDescription]
                  .filter(Boolean)
                  .join(': '),
              }),
        }),
    },
  });
  const embeddedProvider = await setup.demo?.connect(relyingParty);
  const algoregDemo: AlgoregDemo | undefined =
    setup.demo === undefined ? undefined : createAlgoregDemo(setup.demo.simulators.algoreg);

  const app = express();
  app.disable('x-powered-by');
  // Behind an https BASE_URL the app is assumed to sit behind one TLS-terminating proxy, which
  // express-session must trust to set a `secure` cookie.
  if (secureCookies) app.set('trust proxy', 1);

  // Security headers. No inline script or style anywhere, so the CSP can be strict.
  const securityHeaders = helmet({
    // HSTS means nothing over http, and would pin every other app on localhost to https.
    strictTransportSecurity: secureCookies,
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        // Profile pictures are hosted by the identity provider.
        'img-src': ["'self'", 'data:', ...setup.imageSources],
        // The logout form may be redirected to the provider's end-session endpoint, which
        // browsers check against form-action too. (Login buttons are links: navigation is
        // not restricted by the CSP.)
        'form-action': ["'self'", ...setup.formTargets],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': secureCookies ? [] : null,
      },
    },
  });

  // 1. The embedded provider first, before any body parser: it parses its own request bodies.
  //    Its sign-in and consent pages are the app's (provider-interactions.ts), under the app's
  //    headers; its other pages (sign-out, errors) use the app's stylesheet without inline
  //    style, and carry no CSP of their own.
  if (embeddedProvider !== undefined) {
    app.use('/oidc/interaction', securityHeaders, embeddedProvider.interactions);
    app.use('/oidc', embeddedProvider.handler);
  }

  // 2. Security headers for everything else.
  app.use(securityHeaders);
  app.get(['/favicon.svg', '/favicon.ico'], (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(FAVICON);
  });
  app.use(express.static(PUBLIC_DIR, { index: false }));

  // 3. Sessions: in Redis with REDIS_URL (session-store.ts), else in the per-process memory
  //    store; production needs a fixed SESSION_SECRET and Redis (docs/production.md).
  app.use(
    session({
      store: sessions.store,
      name: 'example.sid',
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
    }),
  );

  // 4. The relying party, after the session it keeps its state in.
  app.use(relyingParty);

  app.get('/', (req, res, next) => {
    // Silent login, once per browser session: someone still signed in at the embedded provider
    // comes back signed in without a page; anyone else sees the home page, signed out.
    const silent =
      setup.demo !== undefined && req.accepts(['json', 'html']) === 'html'
        ? req.oauth.trySilentLogin({ provider: 'local', returnTo: '/' })
        : Promise.resolve(false);
    silent
      .then((redirected) => {
        if (!redirected) res.type('html').send(homePage(context(req)));
      })
      .catch(next);
  });

  app.get('/profile', requireAuth(), (req, res, next) => {
    const user = req.oauthUser;
    if (user === undefined) return next(); // never: requireAuth() let the request through
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(profilePage({ ...context(req), user }));
  });

  // Requires a recent sign-in: an older one goes back to its provider and returns here.
  app.get(
    SECURITY_PATH,
    ...securityPageHandlers({
      rule: recentSignIn,
      openIdProviders: openIdProviderNames(setup.middleware),
      context,
      sendError,
    }),
  );

  // A protected JSON endpoint: 401 JSON for API clients without a session (browsers that ask
  // for HTML are sent to log in instead).
  // The same user, whether the request carries a session (the browser) or an access token for
  // this API (another service, or curl with the line printed at start-up).
  const apiGuard =
    setup.demo === undefined
      ? requireAuth({ redirect: false })
      : requireAuthOrBearer({ provider: 'local', audience: setup.demo.apiResource });
  app.get('/api/me', apiGuard, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(req.oauthUser);
  });

  // Server to server: the Algoreg API through the token client, for everyone (no user needed).
  app.get('/algoreg', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(algoregPage(context(req), algoregDemo?.view()));
  });
  const algoregAction =
    (action: (demo: AlgoregDemo) => Promise<void>) =>
    (_req: Request, res: Response, next: NextFunction): void => {
      if (algoregDemo === undefined) {
        res.redirect(303, '/algoreg');
        return;
      }
      // Post, then redirect, so a reload of the page does not call again.
      action(algoregDemo).then(() => res.redirect(303, '/algoreg'), next);
    };
  app.post(
    '/algoreg/call',
    algoregAction((demo) => demo.call()),
  );
  app.post(
    '/algoreg/wrong-password',
    algoregAction((demo) => demo.callWithWrongPassword()),
  );

  app.use((req, res) => {
    sendError(req, res, { status: 404, title: 'Page not found', message: 'Nothing lives here.' });
  });

  // Last: every other error, without a stack trace. (The middleware's own failures are
  // rendered by `pages.error` above, or answered as JSON to API clients.)
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
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
  function sendError(req: Request, res: Response, view: ErrorView): void {
    res.status(view.status).setHeader('Cache-Control', 'no-store');
    if (req.path.startsWith('/api/') || req.accepts(['json', 'html']) === 'json') {
      res.json({ status: view.status, code: 'APP_ERROR', message: view.message });
      return;
    }
    res.type('html').send(errorPage(context(req), view));
  }

  return app;
}

/** What to print once the app listens: where to open it, and how to log in at each provider. */
export function startupMessage(example: Pick<ExampleApp, 'baseURL' | 'providers'>): string[] {
  const demos = example.providers.flatMap(({ name, demoLogin }) =>
    demoLogin === undefined ? [] : [`  ${name}: log in as ${describeDemoLogin(demoLogin)}`],
  );
  if (demos.length === 0) {
    const labels = example.providers.map((provider) => provider.label).join(', ');
    return [`Example app: open ${example.baseURL}/ (signing in with ${labels})`];
  }
  return [
    `Example app: open ${example.baseURL}/ and log in with any of these demo providers:`,
    ...demos,
    `Algoreg, server to server (no sign-in): ${example.baseURL}/algoreg`,
  ];
}
