/**
 * Child process: one variant's Express app on 127.0.0.1, `GET /me` answering `{ sub }` to a
 * signed-in user. Every variant that uses express-session uses the same settings and the same
 * store (MemoryStore, or connect-redis with `BENCH_STORE=redis`), whose every call is counted
 * (bench/stores.ts) so a read-only request can be shown to read once and write nothing.
 *
 * Usage (from bench/servers.ts): `variant-server.ts <variant>`, with BENCH_ISSUER,
 * BENCH_CLIENT_ID and BENCH_CLIENT_SECRET in the environment; BENCH_STORE and BENCH_REDIS_URL
 * choose the store, BENCH_PROVIDERS how many providers `ours` configures (1 by default).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import eoc from 'express-openid-connect';
import passport from 'passport';
import { allowInsecureRequests, ClientSecretBasic, discovery } from 'openid-client';
import { Strategy } from 'openid-client/passport';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { oauthMiddleware, requireAuth, requireBearer } from '../src/index.js';
import type { OAuthMiddlewareOptions } from '../src/index.js';
import { createCountedStore } from './stores.js';
import type { StoreKind } from './stores.js';
import { serveVariant } from './variant-control.js';

export const VARIANTS = [
  'bare',
  'session',
  'session-layers',
  'ours',
  'ours-userinfo',
  'eoc',
  'passport',
  'passport-tokens',
  'jose-floor',
  'bearer',
] as const;
export type Variant = (typeof VARIANTS)[number];

export type { StoreStats } from './stores.js';

const variant = process.argv[2] as Variant;
if (!VARIANTS.includes(variant)) throw new Error(`unknown variant ${String(process.argv[2])}`);
const issuer = process.env.BENCH_ISSUER ?? '';
const clientId = process.env.BENCH_CLIENT_ID ?? '';
const clientSecret = process.env.BENCH_CLIENT_SECRET ?? '';
const storeKind: StoreKind = process.env.BENCH_STORE === 'redis' ? 'redis' : 'memory';
/** Providers `ours` configures; with more than one, the user signs in with the first. */
const providerCount = Number(process.env.BENCH_PROVIDERS ?? '1');
const SCOPE = 'openid profile email';
/** The API the bearer variants protect. */
const BEARER_AUDIENCE = 'https://api.bench.example';
// CommonJS whose named exports Node's ESM loader cannot detect.
const { auth, requiresAuth } = eoc;

const app = express();
const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
  const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
});
const port = (server.address() as AddressInfo).port;
const baseURL = `http://127.0.0.1:${port}`;

// --- express-session, shared settings ----------------------------------------------------------

const counted = await createCountedStore(
  storeKind,
  process.env.BENCH_REDIS_URL,
  `bench:${variant}:${process.pid}:`,
);
const store = counted.store;
app.use((req, _res, next) => {
  if (req.url === '/me') counted.countRequest();
  next();
});

function useSession(): void {
  app.use(
    session({
      store,
      secret: 'bench-session-secret-that-is-long-enough',
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  // The session exactly as the store holds it, for the footprint and to seed the floor.
  // The session of the cookie as the store holds it; with ?entry=tokens, the tokens' own entry
  // beside it (express-oauth-rp keeps them under oauth-tokens:<session id>).
  app.get('/__bench/stored', (req, res, next) => {
    const key = req.query.entry === 'tokens' ? `oauth-tokens:${req.sessionID}` : req.sessionID;
    counted
      .raw(key)
      .then(
        (raw) =>
          res.json(
            raw === undefined
              ? null
              : { bytes: Buffer.byteLength(raw), data: JSON.parse(raw) as Record<string, unknown> },
          ),
        next,
      );
  });
}

function unauthorized(res: Response): void {
  res.status(401).json({ code: 'UNAUTHORIZED' });
}

// --- the variants --------------------------------------------------------------------------------

async function mount(): Promise<void> {
  switch (variant) {
    case 'jose-floor': {
      // The floor of API protection: jose's jwtVerify against the provider's key set, held
      // locally, with the same checks (typ, iss, aud, algorithm), and nothing else.
      const bearerIssuer = process.env.BENCH_BEARER_ISSUER ?? '';
      const keys = (await (await fetch(`${bearerIssuer}/jwks`)).json()) as JSONWebKeySet;
      const jwks = createLocalJWKSet(keys);
      app.get('/me', (req, res) => {
        const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
        jwtVerify(token, jwks, {
          issuer: bearerIssuer,
          audience: BEARER_AUDIENCE,
          typ: 'at+jwt',
          algorithms: ['RS256'],
        }).then(
          ({ payload }) => res.json({ sub: payload.sub }),
          () => res.status(401).end(),
        );
      });
      return;
    }

    case 'bearer': {
      // requireBearer() on the same token, given the middleware rather than mounted after it:
      // an API request carrying only a token goes through nothing else (no express-session).
      const bearerIssuer = process.env.BENCH_BEARER_ISSUER ?? '';
      const oauth = oauthMiddleware({
        issuer: bearerIssuer,
        clientId: process.env.BENCH_BEARER_CLIENT_ID ?? '',
        clientSecret: process.env.BENCH_BEARER_CLIENT_SECRET ?? '',
        baseURL: `http://127.0.0.1`,
        secret: 'bench-session-secret-that-is-long-enough',
        logger: false,
      });
      app.get(
        '/me',
        requireBearer({ middleware: oauth, audience: BEARER_AUDIENCE }),
        (req, res) => {
          res.json({ sub: req.oauthUser?.sub });
        },
      );
      return;
    }

    case 'bare':
      // The ceiling: Express alone, no session, no check.
      app.get('/me', (_req, res) => {
        res.json({ sub: 'alice' });
      });
      return;

    case 'session':
    case 'session-layers':
      // The floor: express-session alone, holding the very session our middleware stored, and
      // the cheapest possible check of it. With layers: the same, through the two Express layers
      // any sign-in library adds (an application-wide middleware that puts the user on the
      // request, and a guard in front of the route), neither doing anything more.
      useSession();
      app.post('/__bench/seed', express.json({ limit: '1mb' }), (req, res, next) => {
        req.session.regenerate((error: unknown) => {
          if (error) return next(error);
          Object.assign(req.session, req.body as object);
          res.json({ seeded: true });
        });
      });
      if (variant === 'session-layers') {
        const users = new WeakMap<Request, string>();
        app.use((req, _res, next) => {
          const sub = req.session.oauth?.user?.sub;
          if (typeof sub === 'string') users.set(req, sub);
          next();
        });
        app.get(
          '/me',
          (req, res, next) => {
            if (users.has(req)) next();
            else unauthorized(res);
          },
          (req, res) => {
            res.json({ sub: users.get(req) });
          },
        );
        return;
      }
      app.get('/me', (req, res) => {
        const sub = req.session.oauth?.user?.sub;
        if (typeof sub !== 'string') return unauthorized(res);
        res.json({ sub });
      });
      return;

    case 'ours':
    case 'ours-userinfo':
      useSession();
      app.use(oauthMiddleware(oursOptions(variant === 'ours-userinfo')));
      app.get('/me', requireAuth(), (req, res) => {
        res.json({ sub: req.oauthUser!.sub });
      });
      return;

    case 'eoc':
      // express-openid-connect with its default session (the encrypted, rolling appSession
      // cookie), or with the Redis store when the others use it: it then writes on every request.
      app.use(
        auth({
          ...(storeKind === 'redis' ? { session: { store: store as never } } : {}),
          issuerBaseURL: issuer,
          baseURL,
          clientID: clientId,
          clientSecret,
          secret: 'bench-eoc-secret-that-is-long-enough',
          authRequired: false,
          authorizationParams: { response_type: 'code', scope: SCOPE },
          idpLogout: false,
          attemptSilentLogin: false,
          enableTelemetry: false,
        }),
      );
      app.get('/me', requiresAuth(), (req, res) => {
        res.json({ sub: req.oidc.user!.sub as string });
      });
      return;

    case 'passport':
    case 'passport-tokens':
      await mountPassport(variant === 'passport-tokens');
      return;
  }
}

/**
 * Our middleware as the README sets it up; with BENCH_PROVIDERS=8, eight providers named p0..p7
 * (the same local provider each time), the user signing in with p0, to show that the signed-in
 * request does not pay for the providers it does not use.
 */
function oursOptions(fetchUserInfo: boolean): OAuthMiddlewareOptions {
  const provider = { issuer, clientId, clientSecret, scope: SCOPE, fetchUserInfo };
  const shared = {
    baseURL,
    secret: 'bench-session-secret-that-is-long-enough',
    logger: false as const,
  };
  if (providerCount <= 1) return { ...provider, ...shared };
  const providers = Object.fromEntries(
    Array.from({ length: providerCount }, (_, i) => [`p${i}`, provider]),
  );
  return { providers, defaultProvider: 'p0', ...shared } as OAuthMiddlewareOptions;
}

/**
 * openid-client's own Passport strategy, as its README sets it up: the user is the ID token's
 * claims. With `keepTokens`, the user also carries the tokens, as an app that calls APIs, refreshes
 * or logs out at the provider must keep them (what express-oauth-rp keeps).
 */
async function mountPassport(keepTokens: boolean): Promise<void> {
  const config = await discovery(
    new URL(issuer),
    clientId,
    { client_secret: clientSecret },
    ClientSecretBasic(clientSecret),
    { execute: [allowInsecureRequests] },
  );
  passport.use(
    new Strategy(
      { config, name: 'oidc', scope: SCOPE, callbackURL: `${baseURL}/callback` },
      (tokens, verified) => {
        const claims = tokens.claims();
        if (!keepTokens) return verified(null, claims);
        const { access_token, token_type, refresh_token, id_token, scope } = tokens;
        const expiresIn = tokens.expiresIn();
        verified(null, {
          ...claims,
          tokens: {
            access_token,
            token_type,
            refresh_token,
            id_token,
            scope,
            expires_at: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
          },
        });
      },
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  useSession();
  app.use(passport.session());
  app.get('/login', passport.authenticate('oidc') as RequestHandler);
  app.get(
    '/callback',
    passport.authenticate('oidc', {
      successRedirect: '/',
      failureRedirect: '/failed',
    }) as RequestHandler,
  );
  app.get('/me', (req, res) => {
    if (!req.isAuthenticated()) return unauthorized(res);
    res.json({ sub: (req.user as { sub: string }).sub });
  });
}

await mount();
app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  console.error(`[bench ${variant}]`, error);
  res.status(500).json({ code: 'BENCH_ERROR' });
});

serveVariant(port, counted, { store: storeKind, providers: providerCount });
