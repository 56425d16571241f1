/**
 * Alpaca simulator, built from seed document 001 (How to Use OAuth to Access Alpaca API).
 *
 * What the document says, reproduced as is:
 * - Plain OAuth 2.0 authorization code flow, no OpenID Connect: no ID token, no userinfo.
 * - `GET https://app.alpaca.markets/oauth/authorize?response_type=code&client_id&redirect_uri
 *   &state&scope=account:write%20trading` shows an authorization screen, then redirects to
 *   `redirect_uri` with `code`; the state, when given, always comes back unchanged.
 * - The code is exchanged by POST; live (funded) accounts use `api.alpaca.markets`, paper
 *   trading uses `paper-api.alpaca.markets`. Three servers stand for the three hosts:
 *   `appUrl` (authorize + login page), `liveApiUrl` and `paperApiUrl`.
 *
 * Where the document is vague, the choices made here:
 * - Scopes: the document shows `account:write` and `trading`; `data` (market data, listed in
 *   Alpaca's public OAuth docs) is accepted too. Anything else redirects back with
 *   `error=invalid_scope` (and the state). A missing scope is accepted and grants read-only
 *   access (granted scope `""`), as Alpaca does.
 * - Token request: `POST /oauth/token` on BOTH API hosts (the document ties the POST to the
 *   host), form-encoded `grant_type=authorization_code, code, client_id, client_secret,
 *   redirect_uri`; client credentials only in the body (HTTP Basic is not documented and is
 *   ignored). `redirect_uri` must equal the one sent to /oauth/authorize.
 * - Token response: `{ access_token, token_type: "bearer", scope }`, lower-case `bearer`, no
 *   `expires_in` and no `refresh_token` (Alpaca tokens do not expire until revoked).
 * - One token works on both hosts (an Alpaca token may cover one live and one paper account):
 *   `GET /v2/account` on the live host returns the user's live account, on the paper host the
 *   paper account. That account object is the relying party's profile (`id` is the subject).
 * - Errors: token endpoint uses RFC 6749 `{ error, error_description }`; the trading API
 *   answers 401 `{ code: 40110000, message: "request is not authorized" }` like Alpaca's API.
 *   Unknown client or unregistered `redirect_uri` at /oauth/authorize: 400 page, no redirect.
 *   Denial on the login page: redirect with `error=access_denied` and the state.
 * - Codes are single use and live 10 minutes. PKCE parameters are ignored (not documented).
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
  sendHtml,
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
import { renderMessagePage } from './page.js';

/** The provider's name on the simulator's pages. */
const PROVIDER = 'Alpaca';

/** An Alpaca trading account as `GET /v2/account` returns it (abridged). */
export interface AlpacaAccount {
  readonly id: string;
  readonly account_number: string;
  readonly status: string;
  readonly currency: string;
  readonly cash: string;
  readonly buying_power: string;
  readonly created_at: string;
}

/** An Alpaca user with a live and a paper account. */
export interface AlpacaUser {
  readonly username: string;
  readonly password: string;
  readonly live: AlpacaAccount;
  readonly paper: AlpacaAccount;
}

/** Options of {@link startAlpacaSimulator}. */
export interface AlpacaSimulatorOptions extends SimulatorBaseOptions, LoginPageOptions {
  /** Registered OAuth apps; default one app with redirect URI `http://127.0.0.1/callback`. */
  readonly clients?: readonly OAuthClient[];
  readonly users?: readonly AlpacaUser[];
  /** Scopes /oauth/authorize accepts; default `account:write`, `trading`, `data`. */
  readonly allowedScopes?: readonly string[];
}

/** A running Alpaca simulator: three servers sharing one request log. */
export interface AlpacaSimulator extends SimulatorRecorder {
  /** The authorize host (`app.alpaca.markets`); same as `appUrl`. */
  readonly url: string;
  readonly appUrl: string;
  /** Stands for `https://api.alpaca.markets` (requests recorded with `server: 'live'`). */
  readonly liveApiUrl: string;
  /** Stands for `https://paper-api.alpaca.markets` (recorded with `server: 'paper'`). */
  readonly paperApiUrl: string;
  readonly authorizationEndpoint: string;
  /** `${liveApiUrl}/oauth/token`; the paper host serves the same path. */
  readonly tokenEndpoint: string;
  readonly client: OAuthClient;
  readonly clients: readonly OAuthClient[];
  readonly user: AlpacaUser;
  readonly users: readonly AlpacaUser[];
  /** Registers another redirect URI for a client (default: the first). */
  addRedirectUri(uri: string, clientId?: string): void;
  /** The next token request with an otherwise valid code fails with `invalid_grant`. */
  rejectNextCode(): void;
  /** Revokes every access token issued so far (Alpaca tokens never expire on their own). */
  revokeTokens(): void;
  /** Plays the user on the authorization screen and returns the redirect to the client. */
  approve(authorizationUrl: string | URL, options?: ApproveOptions): Promise<URL>;
  close(): Promise<void>;
}

interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | undefined;
}

function account(id: string, number: string): AlpacaAccount {
  return {
    id,
    account_number: number,
    status: 'ACTIVE',
    currency: 'USD',
    cash: '10000',
    buying_power: '20000',
    created_at: '2024-01-02T15:04:05.000000Z',
  };
}

const DEFAULT_USER: AlpacaUser = {
  username: 'trader@example.com',
  password: 'trader-password',
  live: account('a1b2c3d4-0000-4000-8000-000000000001', '611000001'),
  paper: account('b2c3d4e5-0000-4000-8000-000000000001', 'PA3X0000001'),
};

/** Starts an Alpaca simulator (authorize host, live API host, paper API host). */
export async function startAlpacaSimulator(
  options: AlpacaSimulatorOptions = {},
): Promise<AlpacaSimulator> {
  const clients = copyClients(options.clients, {
    clientId: 'alpaca-client-id',
    clientSecret: 'alpaca-client-secret',
    redirectUris: ['http://127.0.0.1/callback'],
  });
  const users = options.users ?? [DEFAULT_USER];
  const firstClient = first(clients, 'client');
  const firstUser = first(users, 'user');
  const allowedScopes = new Set(options.allowedScopes ?? ['account:write', 'trading', 'data']);
  const now = options.now ?? (() => Date.now());
  const log: RecordedRequest[] = [];
  const flow = createLoginFlow<Grant, AlpacaUser>({
    provider: PROVIDER,
    title: 'Authorize app - Alpaca',
    action: '/oauth/login',
    users,
    hint: options.loginHint,
  });
  const codes = createCodeStore<Grant & { readonly user: AlpacaUser }>(now);
  const tokens = createTokenStore<AlpacaUser>(now);

  function authorize(req: SimulatorRequest, res: ServerResponse): void {
    const q = req.query;
    const client = clients.find((c) => c.clientId === q.client_id);
    // Without a known client and an exact registered redirect_uri there is nowhere safe to
    // send an error, so it is shown to the user instead (RFC 6749 §4.1.2.1).
    if (!client) return sendHtml(res, 400, renderMessagePage(PROVIDER, 'Invalid client_id'));
    const redirectUri = q.redirect_uri ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      return sendHtml(res, 400, renderMessagePage(PROVIDER, 'Invalid redirect_uri'));
    }
    const back = (error: string): void =>
      sendRedirect(res, withParams(redirectUri, { error, state: q.state }));
    if (q.response_type !== 'code') return back('unsupported_response_type');
    const scopes = (q.scope ?? '').split(' ').filter(Boolean);
    if (scopes.some((s) => !allowedScopes.has(s))) return back('invalid_scope');
    flow.show(res, {
      clientId: client.clientId,
      redirectUri,
      scope: scopes.join(' '),
      state: q.state,
    });
  }

  function loginSubmit(req: SimulatorRequest, res: ServerResponse): void {
    const outcome = flow.submit(req, res);
    if (!outcome) return;
    const { grant, user } = outcome;
    // Alpaca: "The parameter will always match the value specified in step 1."
    const params = user
      ? { code: codes.issue({ ...grant, user }), state: grant.state }
      : { error: 'access_denied', state: grant.state };
    sendRedirect(res, withParams(grant.redirectUri, params));
  }

  function token(req: SimulatorRequest, res: ServerResponse): void {
    if (!isFormEncoded(req)) {
      return sendOAuthError(res, 400, 'invalid_request', 'body must be form-encoded');
    }
    const form = parseForm(req.body);
    if (form.get('grant_type') !== 'authorization_code') {
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'use authorization_code');
    }
    const missing = ['code', 'client_id', 'client_secret', 'redirect_uri'].filter(
      (name) => !form.get(name),
    );
    if (missing.length > 0) {
      return sendOAuthError(res, 400, 'invalid_request', `missing ${missing.join(', ')}`);
    }
    const client = clients.find((c) => c.clientId === form.get('client_id'));
    if (!client || client.clientSecret !== form.get('client_secret')) {
      return sendOAuthError(res, 401, 'invalid_client', 'client authentication failed');
    }
    const grant = codes.redeem(form.get('code') ?? '', client.clientId);
    if (!grant || grant.redirectUri !== form.get('redirect_uri')) {
      return sendOAuthError(res, 400, 'invalid_grant', 'invalid authorization code');
    }
    const accessToken = tokens.issue(grant.user, Infinity);
    // Alpaca: lower-case "bearer", no expires_in and no refresh_token.
    sendJson(res, 200, { access_token: accessToken, token_type: 'bearer', scope: grant.scope });
  }

  function api(env: 'live' | 'paper') {
    return (req: SimulatorRequest, res: ServerResponse): void => {
      const route = `${req.method} ${req.path}`;
      if (route === 'POST /oauth/token') return token(req, res);
      if (route !== 'GET /v2/account') {
        return sendJson(res, 404, { code: 40410000, message: 'endpoint not found' });
      }
      const user = tokens.find(bearerToken(req));
      if (!user)
        return sendJson(res, 401, { code: 40110000, message: 'request is not authorized' });
      // Alpaca: the same token reads the live account on one host, the paper one on the other.
      sendJson(res, 200, user[env]);
    };
  }

  const app = await startSimulatorServer(
    (req, res) => {
      const route = `${req.method} ${req.path}`;
      if (route === 'GET /oauth/authorize') return authorize(req, res);
      if (route === 'POST /oauth/login') return loginSubmit(req, res);
      sendHtml(res, 404, renderMessagePage(PROVIDER, 'Not found'));
    },
    { port: options.port, log, name: 'app' },
  );
  const live = await startSimulatorServer(api('live'), { log, name: 'live' });
  const paper = await startSimulatorServer(api('paper'), { log, name: 'paper' });

  return {
    ...createRecorder(log),
    url: app.url,
    appUrl: app.url,
    liveApiUrl: live.url,
    paperApiUrl: paper.url,
    authorizationEndpoint: `${app.url}/oauth/authorize`,
    tokenEndpoint: `${live.url}/oauth/token`,
    client: firstClient,
    clients,
    user: firstUser,
    users,
    addRedirectUri: (uri, clientId) => addRedirectUri(clients, uri, clientId),
    rejectNextCode: () => codes.rejectNext(),
    revokeTokens: () => tokens.expireAll(),
    approve: (authorizationUrl, answer) => flow.approve(authorizationUrl, answer),
    close: async () => {
      await Promise.all([app.close(), live.close(), paper.close()]);
    },
  };
}
