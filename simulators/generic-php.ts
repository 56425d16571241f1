/**
 * Generic PHP OAuth 2.0 API simulator, built from seed document 004.
 *
 * What the document says, reproduced as is:
 * - `GET /api/authorize.php?client_id&redirect_uri&response_type=code`; the redirect URI
 *   "must match the one registered"; the user logs in, approves, and is redirected with `code`.
 * - `POST /api/token.php`, form-encoded `code, client_id, client_secret` (no `grant_type`, no
 *   `redirect_uri`) → `{ access_token, token_type: "Bearer", expires_in: 3600 }`.
 * - `GET /api/userinfo.php` with `Authorization: Bearer` → `{ username, email, full_name }`.
 * - Errors are JSON `{ error, error_description }`: `invalid_request` 400, `invalid_client`
 *   401, `invalid_code` 400 (non-standard, instead of `invalid_grant`), `invalid_token` 401.
 * - Rate limiting: 429 with headers giving the limit and when to retry.
 *
 * Where the document is vague, the choices made here:
 * - `state` is not mentioned; it is echoed back verbatim when sent (the likely reading for an
 *   OAuth 2.0 server). `echoState: false` simulates a server that drops it.
 * - `grant_type` and `redirect_uri` sent to token.php anyway are tolerated and ignored (a PHP
 *   script reading only `$_POST['code']`, `client_id`, `client_secret`). A JSON body is not
 *   read by PHP's `$_POST`, so it fails as missing parameters (`invalid_request`).
 * - Client credentials only in the body; an HTTP Basic header is ignored.
 * - `scope` is not documented and is ignored.
 * - authorize.php errors are JSON, never redirects: missing parameters or a non-`code`
 *   response_type → 400 `invalid_request`; unknown client → 401 `invalid_client`;
 *   unregistered redirect_uri (exact match) → 400 `invalid_request`. Denial on the login page
 *   redirects with `error=access_denied` (and the state when echoing).
 * - A missing Bearer token at userinfo.php → 401 `invalid_token`, like a bad one.
 * - Rate-limit headers (GitHub style): `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
 *   `X-RateLimit-Reset` (epoch seconds when the window resets) on every `/api/*.php` response,
 *   plus `Retry-After` (delta seconds) on a 429, whose body is
 *   `{ error: "rate_limit_exceeded", error_description }`. Fixed window over all endpoints,
 *   60 requests per 60 s by default; `forceRateLimit()` triggers it on demand.
 * - Codes are single use, bound to the client, and live 10 minutes. PKCE is ignored.
 */
import type { ServerResponse } from 'node:http';
import {
  addRedirectUri,
  copyClients,
  createCodeStore,
  createLoginFlow,
  createTokenStore,
  type ApproveOptions,
  type LoginPageOptions,
  type OAuthClient,
} from './code-flow.js';
import {
  bearerToken,
  createRecorder,
  first,
  isFormEncoded,
  parseForm,
  sendJson,
  sendOAuthError,
  sendRedirect,
  startSimulatorServer,
  withParams,
  type RecordedRequest,
  type SimulatorBaseOptions,
  type SimulatorRecorder,
  type SimulatorRequest,
} from './simulator-server.js';

/** The provider's name on the simulator's pages. */
const PROVIDER = 'Generic OAuth 2.0 (PHP)';

/** A user of the PHP service. */
export interface GenericPhpUser {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly full_name: string;
}

/** Options of {@link startGenericPhpSimulator}. */
export interface GenericPhpSimulatorOptions extends SimulatorBaseOptions, LoginPageOptions {
  /** Registered clients; default one with redirect URI `http://127.0.0.1/callback`. */
  readonly clients?: readonly OAuthClient[];
  readonly users?: readonly GenericPhpUser[];
  /** Echo `state` on the redirect; default true. */
  readonly echoState?: boolean;
  /** Access-token lifetime in seconds; default 3600. */
  readonly tokenLifetimeSeconds?: number;
  /** Fixed-window rate limit over all endpoints; default 60 requests per 60 s. */
  readonly rateLimit?: { readonly limit?: number; readonly windowSeconds?: number };
}

/** A running generic PHP OAuth 2.0 simulator. */
export interface GenericPhpSimulator extends SimulatorRecorder {
  /** Base URL, standing for `https://example.com`; endpoints are under `/api/`. */
  readonly url: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly client: OAuthClient;
  readonly clients: readonly OAuthClient[];
  readonly user: GenericPhpUser;
  readonly users: readonly GenericPhpUser[];
  /** Responses answered 429 so far. */
  readonly rateLimited: number;
  /** Registers another redirect URI for a client (default: the first). */
  addRedirectUri(uri: string, clientId?: string): void;
  /** The next token request with an otherwise valid code fails with `invalid_code`. */
  rejectNextCode(): void;
  /** Makes every access token issued so far expired. */
  expireTokens(): void;
  /** Answers the next `times` (default 1) requests, to `path` or any endpoint, with 429. */
  forceRateLimit(options?: {
    readonly times?: number;
    readonly retryAfterSeconds?: number;
    readonly path?: string;
  }): void;
  /** Changes the limit (and optionally the window) and starts a fresh window. */
  setRateLimit(limit: number, windowSeconds?: number): void;
  /** Plays the user on the login page and returns the redirect to the client. */
  approve(authorizationUrl: string | URL, options?: ApproveOptions): Promise<URL>;
  close(): Promise<void>;
}

interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
}

type Route = (req: SimulatorRequest, res: ServerResponse) => void;

const DEFAULT_USER: GenericPhpUser = {
  username: 'johndoe',
  password: 'johndoe-password',
  email: 'john@example.com',
  full_name: 'John Doe',
};

/** Starts a generic PHP OAuth 2.0 simulator on 127.0.0.1. */
export async function startGenericPhpSimulator(
  options: GenericPhpSimulatorOptions = {},
): Promise<GenericPhpSimulator> {
  const clients = copyClients(options.clients, {
    clientId: 'php-client-id',
    clientSecret: 'php-client-secret',
    redirectUris: ['http://127.0.0.1/callback'],
  });
  const users = options.users ?? [DEFAULT_USER];
  const firstClient = first(clients, 'client');
  const firstUser = first(users, 'user');
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const now = options.now ?? (() => Date.now());
  const log: RecordedRequest[] = [];
  const flow = createLoginFlow<Grant, GenericPhpUser>({
    provider: PROVIDER,
    title: 'Authorize application',
    action: '/api/authorize.php',
    users,
    hint: options.loginHint,
  });
  const codes = createCodeStore<Grant & { readonly user: GenericPhpUser }>(now);
  const tokens = createTokenStore<GenericPhpUser>(now);
  let limit = options.rateLimit?.limit ?? 60;
  let windowMs = (options.rateLimit?.windowSeconds ?? 60) * 1000;
  let windowStart = now();
  let used = 0;
  let rateLimited = 0;
  let forced = { times: 0, retryAfterSeconds: 30, path: undefined as string | undefined };

  /** Applies the rate limit; answers 429 and returns false when over it. */
  function admit(req: SimulatorRequest, res: ServerResponse): boolean {
    const t = now();
    if (forced.times > 0 && (forced.path === undefined || forced.path === req.path)) {
      forced.times -= 1;
      return tooMany(res, forced.retryAfterSeconds, t);
    }
    if (t >= windowStart + windowMs) {
      windowStart = t;
      used = 0;
    }
    used += 1;
    const resetAt = windowStart + windowMs;
    res.setHeader('x-ratelimit-limit', String(limit));
    res.setHeader('x-ratelimit-remaining', String(Math.max(0, limit - used)));
    res.setHeader('x-ratelimit-reset', String(Math.ceil(resetAt / 1000)));
    return used <= limit || tooMany(res, Math.max(1, Math.ceil((resetAt - t) / 1000)), t);
  }

  function tooMany(res: ServerResponse, retryAfter: number, t: number): false {
    rateLimited += 1;
    // Generic PHP API: 429 "with headers indicating the rate limit and when you can retry".
    sendOAuthError(res, 429, 'rate_limit_exceeded', 'too many requests, retry later', {
      'retry-after': String(retryAfter),
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(t / 1000) + retryAfter),
    });
    return false;
  }

  const authorize: Route = (req, res) => {
    const { client_id: clientId, redirect_uri: redirectUri, response_type, state } = req.query;
    if (!clientId || !redirectUri || response_type !== 'code') {
      const description = 'client_id, redirect_uri and response_type=code are required';
      return sendOAuthError(res, 400, 'invalid_request', description);
    }
    const client = clients.find((c) => c.clientId === clientId);
    if (!client) return sendOAuthError(res, 401, 'invalid_client', 'unknown client_id');
    if (!client.redirectUris.includes(redirectUri)) {
      return sendOAuthError(res, 400, 'invalid_request', 'redirect_uri does not match');
    }
    flow.show(res, { clientId, redirectUri, state });
  };

  const loginSubmit: Route = (req, res) => {
    const outcome = flow.submit(req, res);
    if (!outcome) return;
    const { grant, user } = outcome;
    const state = options.echoState === false ? undefined : grant.state;
    const params = user
      ? { code: codes.issue({ ...grant, user }), state }
      : { error: 'access_denied', state };
    sendRedirect(res, withParams(grant.redirectUri, params));
  };

  const token: Route = (req, res) => {
    // Like PHP's $_POST, only a form-encoded body is read; grant_type/redirect_uri are ignored.
    const form = isFormEncoded(req) ? parseForm(req.body) : new URLSearchParams();
    const code = form.get('code');
    const clientId = form.get('client_id');
    const clientSecret = form.get('client_secret');
    if (!code || !clientId || !clientSecret) {
      const description = 'code, client_id and client_secret are required';
      return sendOAuthError(res, 400, 'invalid_request', description);
    }
    const client = clients.find((c) => c.clientId === clientId);
    if (!client || client.clientSecret !== clientSecret) {
      return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed');
    }
    const grant = codes.redeem(code, client.clientId);
    // Generic PHP API: a bad code is the non-standard "invalid_code", not "invalid_grant".
    if (!grant) {
      const description = 'the authorization code is invalid or expired';
      return sendOAuthError(res, 400, 'invalid_code', description);
    }
    const accessToken = tokens.issue(grant.user, lifetime * 1000);
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime });
  };

  const userinfo: Route = (req, res) => {
    const user = tokens.find(bearerToken(req));
    if (!user) {
      return sendOAuthError(res, 401, 'invalid_token', 'the access token is invalid or expired');
    }
    sendJson(res, 200, { username: user.username, email: user.email, full_name: user.full_name });
  };

  const routes: Record<string, Route> = {
    'GET /api/authorize.php': authorize,
    'POST /api/authorize.php': loginSubmit,
    'POST /api/token.php': token,
    'GET /api/userinfo.php': userinfo,
  };
  const server = await startSimulatorServer(
    (req, res) => {
      const route = routes[`${req.method} ${req.path}`];
      if (!route) return sendOAuthError(res, 404, 'not_found', 'no such endpoint');
      if (admit(req, res)) route(req, res);
    },
    { port: options.port, log },
  );

  return {
    ...createRecorder(log),
    url: server.url,
    authorizationEndpoint: `${server.url}/api/authorize.php`,
    tokenEndpoint: `${server.url}/api/token.php`,
    userinfoEndpoint: `${server.url}/api/userinfo.php`,
    client: firstClient,
    clients,
    user: firstUser,
    users,
    get rateLimited() {
      return rateLimited;
    },
    addRedirectUri: (uri, clientId) => addRedirectUri(clients, uri, clientId),
    rejectNextCode: () => codes.rejectNext(),
    expireTokens: () => tokens.expireAll(),
    forceRateLimit(force = {}) {
      forced = {
        times: force.times ?? 1,
        retryAfterSeconds: force.retryAfterSeconds ?? 30,
        path: force.path,
      };
    },
    setRateLimit(newLimit, windowSeconds) {
      limit = newLimit;
      if (windowSeconds !== undefined) windowMs = windowSeconds * 1000;
      windowStart = now();
      used = 0;
    },
    approve: (authorizationUrl, answer) => flow.approve(authorizationUrl, answer),
    close: () => server.close(),
  };
}
