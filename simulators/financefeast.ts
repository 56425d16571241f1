/**
 * Financefeast simulator, built from seed document 003 (Financefeast OAuth Integration).
 *
 * What the document says, reproduced as is:
 * - OpenID Connect authorization code flow: `GET /oauth/authorize?response_type=code
 *   &client_id&redirect_uri&scope=openid+profile+plan&state&nonce`; allowed scopes `openid`,
 *   `profile` (the customer's email address) and `plan` (basic plan data).
 * - `redirect_uri` must match one of the client's whitelisted URIs, compared exactly.
 * - The state, when given, comes back unchanged with `code`.
 * - `POST /oauth/token`, `application/x-www-form-urlencoded` only, with grant_type,
 *   code, client_id, client_secret and redirect_uri in the body (`client_secret_post`).
 * - Token response: `access_token`, `expires_in: 864000`, `scope`, `token_type: "Bearer"` and
 *   `expires_at` (epoch seconds). Tokens live 10 days; there is no refresh token, so on
 *   expiry the customer must authorize again.
 * - API calls: `GET https://api.financefeast.io/data/eod?ticker=...` with the Bearer token.
 *
 * Where the document is vague, the choices made here:
 * - Discovery, JWKS and ID token are not described; the document says to use OIDC, so this
 *   simulator serves `/.well-known/openid-configuration` (issuer = `url`), a JWKS at
 *   `/oauth/jwks`, and adds an RS256 `id_token` (signed with jose, `kid` in the header) to the
 *   token response when `openid` was granted. The document's example response has no
 *   `id_token`; `issueIdToken: false` reproduces it literally.
 * - Nonce: the example URL says `nonce`, the parameter table says `nounce`; both are read,
 *   `nonce` first, and the value goes into the ID token's `nonce` claim.
 * - Claims: `profile` yields `email` only (no name), `plan` yields `plan` as an object
 *   `{ name, status }`; they are in the ID token and at `GET /oauth/userinfo` (served and
 *   advertised, though not documented). The ID token lives 1 hour.
 * - Missing scope: accepted, grants nothing (no ID token). Unknown scope: redirect with
 *   `error=invalid_scope`. Unknown client or non-matching `redirect_uri`: 400 page, no redirect.
 * - Client credentials in an HTTP Basic header instead of the body: 401 `invalid_client`, as
 *   only `client_secret_post` is supported. A JSON body: 400 `invalid_request`.
 * - `grant_type=refresh_token` (or anything else): 400 `unsupported_grant_type`.
 * - The data API is served by the same server (`/data/eod`). PKCE parameters are ignored.
 * - Codes are single use and live 10 minutes.
 */
import type { ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
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
  randomToken,
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
const PROVIDER = 'Financefeast';

/** A Financefeast customer. */
export interface FinancefeastUser {
  readonly sub: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly plan: { readonly name: string; readonly status: string };
}

/** Options of {@link startFinancefeastSimulator}. */
export interface FinancefeastSimulatorOptions extends SimulatorBaseOptions, LoginPageOptions {
  /** Registered clients; `redirectUris` is the whitelist, matched exactly. */
  readonly clients?: readonly OAuthClient[];
  readonly users?: readonly FinancefeastUser[];
  /** Access-token lifetime in seconds; default 864000 (10 days). */
  readonly tokenLifetimeSeconds?: number;
  /** Add an `id_token` when `openid` is granted; default true. */
  readonly issueIdToken?: boolean;
}

/** A running Financefeast simulator. */
export interface FinancefeastSimulator extends SimulatorRecorder {
  /** Issuer and base URL, standing for `https://identity.financefeast.io`. */
  readonly url: string;
  readonly issuer: string;
  readonly discoveryEndpoint: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly jwksUri: string;
  /** The public signing keys, as served at `jwksUri`. */
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly client: OAuthClient;
  readonly clients: readonly OAuthClient[];
  readonly user: FinancefeastUser;
  readonly users: readonly FinancefeastUser[];
  /** Whitelists another redirect URI for a client (default: the first). */
  addRedirectUri(uri: string, clientId?: string): void;
  /** The next token request with an otherwise valid code fails with `invalid_grant`. */
  rejectNextCode(): void;
  /** Merges these claims into the next ID token (to test nonce/audience/issuer checks). */
  overrideNextIdToken(claims: JWTPayload): void;
  /** Makes every access token issued so far expired. */
  expireTokens(): void;
  /** Plays the user on the authorization screen and returns the redirect to the client. */
  approve(authorizationUrl: string | URL, options?: ApproveOptions): Promise<URL>;
  close(): Promise<void>;
}

interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string | undefined;
  readonly nonce: string | undefined;
}

interface Authorized extends Grant {
  readonly user: FinancefeastUser;
  readonly authTime: number;
}

const SCOPES = ['openid', 'profile', 'plan'];

// RSA key generation costs ~200 ms; one key pair serves every simulator of a test run.
let keyPair: ReturnType<typeof generateKeyPair> | undefined;

const DEFAULT_USER: FinancefeastUser = {
  sub: 'ff-user-7c1e2f',
  username: 'customer',
  password: 'customer-password',
  email: 'customer@example.com',
  plan: { name: 'basic', status: 'active' },
};

/** Starts a Financefeast OpenID Connect simulator on 127.0.0.1. */
export async function startFinancefeastSimulator(
  options: FinancefeastSimulatorOptions = {},
): Promise<FinancefeastSimulator> {
  const clients = copyClients(options.clients, {
    clientId: 'fc9c55efa3924f369d6c1148e668bbe8',
    clientSecret: '5b8027074d8ab434882c0806833e76508861c366',
    redirectUris: ['http://127.0.0.1/callback'],
  });
  const users = options.users ?? [DEFAULT_USER];
  const firstClient = first(clients, 'client');
  const firstUser = first(users, 'user');
  const lifetime = options.tokenLifetimeSeconds ?? 864_000;
  const now = options.now ?? (() => Date.now());
  const seconds = (): number => Math.floor(now() / 1000);
  keyPair ??= generateKeyPair('RS256');
  const { publicKey, privateKey } = await keyPair;
  const kid = randomToken(8);
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const log: RecordedRequest[] = [];
  const flow = createLoginFlow<Grant, FinancefeastUser>({
    provider: PROVIDER,
    title: 'Financefeast Identity',
    action: '/oauth/login',
    users,
    hint: options.loginHint,
  });
  const codes = createCodeStore<Authorized>(now);
  const tokens = createTokenStore<{ user: FinancefeastUser; scopes: readonly string[] }>(now);
  let idTokenOverride: JWTPayload = {};
  let issuer = '';

  function claims(user: FinancefeastUser, scopes: readonly string[]): Record<string, unknown> {
    // Financefeast: "profile" means the email address, nothing else.
    return {
      sub: user.sub,
      ...(scopes.includes('profile') ? { email: user.email } : {}),
      ...(scopes.includes('plan') ? { plan: user.plan } : {}),
    };
  }

  function authorize(req: SimulatorRequest, res: ServerResponse): void {
    const q = req.query;
    const client = clients.find((c) => c.clientId === q.client_id);
    if (!client) return sendHtml(res, 400, renderMessagePage(PROVIDER, 'Unknown client'));
    // Financefeast: the redirect URI must match a whitelisted one exactly (no normalisation).
    const redirectUri = q.redirect_uri ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      return sendHtml(
        res,
        400,
        renderMessagePage(PROVIDER, 'redirect_uri is not whitelisted for this client'),
      );
    }
    const back = (error: string): void =>
      sendRedirect(res, withParams(redirectUri, { error, state: q.state }));
    if (q.response_type !== 'code') return back('unsupported_response_type');
    const scopes = (q.scope ?? '').split(' ').filter(Boolean);
    if (scopes.some((s) => !SCOPES.includes(s))) return back('invalid_scope');
    // Financefeast: the table spells it "nounce", the example URL "nonce"; accept both.
    const nonce = q.nonce ?? q.nounce;
    flow.show(res, { clientId: client.clientId, redirectUri, scopes, state: q.state, nonce });
  }

  function loginSubmit(req: SimulatorRequest, res: ServerResponse): void {
    const outcome = flow.submit(req, res);
    if (!outcome) return;
    const { grant, user } = outcome;
    const params = user
      ? { code: codes.issue({ ...grant, user, authTime: seconds() }), state: grant.state }
      : { error: 'access_denied', state: grant.state };
    sendRedirect(res, withParams(grant.redirectUri, params));
  }

  async function token(req: SimulatorRequest, res: ServerResponse): Promise<void> {
    if (req.headers.authorization?.toLowerCase().startsWith('basic ')) {
      return sendOAuthError(res, 401, 'invalid_client', 'only client_secret_post is supported');
    }
    if (!isFormEncoded(req)) {
      return sendOAuthError(res, 400, 'invalid_request', 'use application/x-www-form-urlencoded');
    }
    const form = parseForm(req.body);
    if (form.get('grant_type') !== 'authorization_code') {
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'only authorization_code');
    }
    const required = ['code', 'client_id', 'client_secret', 'redirect_uri'];
    const missing = required.filter((name) => !form.get(name));
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
    const iat = seconds();
    // Expire exactly at expires_at, so a client checking it is never a second late.
    const lifetimeMs = (iat + lifetime) * 1000 - now();
    const accessToken = tokens.issue({ user: grant.user, scopes: grant.scopes }, lifetimeMs);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: lifetime,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
      // Financefeast: expires_at (epoch seconds) besides expires_in; no refresh_token.
      expires_at: iat + lifetime,
    };
    if (grant.scopes.includes('openid') && options.issueIdToken !== false) {
      const payload: JWTPayload = {
        ...claims(grant.user, grant.scopes),
        iss: issuer,
        aud: client.clientId,
        iat,
        exp: iat + 3600,
        auth_time: grant.authTime,
        ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
        ...idTokenOverride,
      };
      idTokenOverride = {};
      body.id_token = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(privateKey);
    }
    sendJson(res, 200, body);
  }

  /** The token's grant, or undefined after answering 401. */
  function bearer(req: SimulatorRequest, res: ServerResponse) {
    const found = tokens.find(bearerToken(req));
    if (found) return found;
    sendOAuthError(res, 401, 'invalid_token', 'the access token is invalid or expired', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
    return undefined;
  }

  function discovery(res: ServerResponse): void {
    sendJson(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      jwks_uri: `${issuer}/oauth/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: SCOPES,
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'plan'],
    });
  }

  const server = await startSimulatorServer(
    async (req, res) => {
      const route = `${req.method} ${req.path}`;
      if (route === 'GET /.well-known/openid-configuration') return discovery(res);
      if (route === 'GET /oauth/jwks') return sendJson(res, 200, jwks);
      if (route === 'GET /oauth/authorize') return authorize(req, res);
      if (route === 'POST /oauth/login') return loginSubmit(req, res);
      if (route === 'POST /oauth/token') return token(req, res);
      if (route === 'GET /oauth/userinfo') {
        const found = bearer(req, res);
        if (found) sendJson(res, 200, claims(found.user, found.scopes));
        return;
      }
      if (route === 'GET /data/eod') {
        if (!bearer(req, res)) return;
        const ticker = req.query.ticker ?? 'air.nz';
        return sendJson(res, 200, { ticker, data: [{ date: '2021-05-21', close: 1.23 }] });
      }
      sendOAuthError(res, 404, 'not_found', 'no such endpoint');
    },
    { port: options.port, log },
  );
  issuer = server.url;

  return {
    ...createRecorder(log),
    url: server.url,
    issuer,
    discoveryEndpoint: `${issuer}/.well-known/openid-configuration`,
    authorizationEndpoint: `${issuer}/oauth/authorize`,
    tokenEndpoint: `${issuer}/oauth/token`,
    userinfoEndpoint: `${issuer}/oauth/userinfo`,
    jwksUri: `${issuer}/oauth/jwks`,
    jwks,
    client: firstClient,
    clients,
    user: firstUser,
    users,
    addRedirectUri: (uri, clientId) => addRedirectUri(clients, uri, clientId),
    rejectNextCode: () => codes.rejectNext(),
    overrideNextIdToken(override) {
      idTokenOverride = override;
    },
    expireTokens: () => tokens.expireAll(),
    approve: (authorizationUrl, answer) => flow.approve(authorizationUrl, answer),
    close: () => server.close(),
  };
}
