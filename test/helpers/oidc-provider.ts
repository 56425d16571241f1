/**
 * A real OpenID Provider (`oidc-provider` 9) for the test suite, plus a browser-less driver for
 * its development login and consent pages.
 *
 * Testing against the real thing, rather than a mock, is what proves the relying party
 * interoperates: discovery, PKCE, RFC 9207 `iss`, ID token validation and refresh rotation are
 * all enforced by a certified implementation.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { exportJWK, generateKeyPair } from 'jose';
import type {
  Account,
  Adapter,
  AdapterFactory,
  AdapterPayload,
  ClientMetadata,
  Configuration,
  ErrorOut,
  JWK,
  KoaContextWithOIDC,
  Provider,
  ResponseType,
} from 'oidc-provider';
import type * as OidcProviderModule from 'oidc-provider';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export interface TestProviderOptions {
  /** Port to listen on (127.0.0.1); 0, the default, picks a free one. */
  port?: number;
  /**
   * Replaces the default client entirely. Clients can also be added or replaced after start
   * with {@link TestProvider.setClient}.
   */
  clients?: ClientMetadata[];
  /**
   * Exact `redirect_uris` for the default `test-client` (ignored when `clients` is given).
   * Defaults to {@link TEST_CLIENT}'s placeholder. Tests that start their app first pass its
   * real callback URL here; tests that start the provider first call `setClient` later.
   */
  redirectUris?: string[];
  /** Exact `post_logout_redirect_uris` for the default `test-client`. */
  postLogoutRedirectUris?: string[];
  /** accountId -> claims; `sub` is always the accountId. Defaults to {@link TEST_ACCOUNTS}. */
  accounts?: Record<string, Record<string, unknown>>;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTTL?: number;
  /** ID token lifetime in seconds (default 3600). */
  idTokenTTL?: number;
  /** Issue a new refresh token on every refresh (default true). */
  rotateRefreshTokens?: boolean;
  /**
   * oidc-provider's default (true) keeps profile/email claims out of the ID token when an
   * access token is also issued. Default false here so the RP sees them in the ID token.
   */
  conformIdTokenClaims?: boolean;
  /** Enable `features.backchannelLogout` (default false). */
  backchannelLogout?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
}

export interface TestProvider {
  /** e.g. `http://127.0.0.1:PORT`, no trailing slash. */
  issuer: string;
  port: number;
  provider: Provider;
  /** Every HTTP request received, in order. */
  requests: RecordedRequest[];
  /**
   * Number of requests whose path starts with `pathPrefix`. The revocation endpoint is moved
   * to `/revoke` so that `count('/token')` counts token endpoint calls only.
   */
  count(pathPrefix: string): number;
  resetCounts(): void;
  /**
   * Registers a client, or replaces the one with the same `client_id`. Validated up front so a
   * bad fixture fails here rather than as an opaque `invalid_client` later. This is how a test
   * that starts the provider before its app registers the app's real redirect URIs.
   */
  setClient(metadata: ClientMetadata): Promise<void>;
  /** Close the server and destroy open connections, so the provider is unreachable. */
  stop(): Promise<void>;
  /** Listen again on the same port after {@link TestProvider.stop}. */
  start(): Promise<void>;
  /** Final shutdown; safe to call more than once, or after `stop()`. */
  close(): Promise<void>;
}

export interface TestClientMetadata extends ClientMetadata {
  client_id: 'test-client';
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_basic';
  grant_types: string[];
  response_types: ResponseType[];
}

/**
 * The default confidential client. Frozen (arrays included): it is shared by every test file,
 * so copy it (`{ ...TEST_CLIENT, redirect_uris: [...] }`) rather than mutate it.
 * The redirect URIs are placeholders on port 1, where nothing listens.
 */
export const TEST_CLIENT: Readonly<TestClientMetadata> = deepFreeze({
  client_id: 'test-client',
  client_secret: 'test-client-secret-0123456789abcdefghijklmnop',
  redirect_uris: ['http://127.0.0.1:1/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1:1/'],
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

/** Default accounts; `sub` is the key. */
export const TEST_ACCOUNTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> =
  deepFreeze({
    alice: {
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      locale: 'en-GB',
    },
    bob: {
      name: 'Bob Example',
      given_name: 'Bob',
      family_name: 'Example',
      preferred_username: 'bob',
      email: 'bob@example.com',
      email_verified: false,
    },
  });

/** Starts a provider on 127.0.0.1 and resolves once it accepts connections. */
export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  // The issuer embeds the port, so the server must listen before the provider can exist.
  const server = createServer();
  const lifecycle = serverLifecycle(server);
  const port = await lifecycle.listen(options.port ?? 0);
  try {
    return await attachProvider(server, port, options, lifecycle);
  } catch (error) {
    await lifecycle.stop();
    throw error;
  }
}

async function attachProvider(
  server: Server,
  port: number,
  options: TestProviderOptions,
  lifecycle: ServerLifecycle,
): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const store = new Map<string, StoredEntry>();
  const { Provider } = await loadOidcProvider();
  const configuration = await buildConfiguration(options, store);
  const provider = quietly(() => new Provider(issuer, configuration));
  reportServerErrors(provider);

  const requests: RecordedRequest[] = [];
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', path: pathOf(req.url) });
    void callback(req, res);
  });

  const setClient = async (metadata: ClientMetadata): Promise<void> => {
    await validateClient(provider, metadata);
    await createAdapter(store)('Client').upsert(metadata.client_id, { ...metadata });
  };
  for (const client of initialClients(options)) await setClient(client);

  return {
    issuer,
    port,
    provider,
    requests,
    count: (prefix) => requests.filter((request) => request.path.startsWith(prefix)).length,
    resetCounts: () => {
      requests.length = 0;
    },
    setClient,
    stop: lifecycle.stop,
    start: async () => {
      await lifecycle.listen(port);
    },
    close: lifecycle.stop,
  };
}

/**
 * oidc-provider turns its own exceptions into a generic "server_error" page and logs nothing;
 * surfacing them is what makes a provider-side 500 in a test debuggable.
 */
function reportServerErrors(provider: Provider): void {
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    console.error('[test OpenID Provider] server_error:', error);
  });
}

/** oidc-provider's errors carry the useful part in `error_description`, not the message. */
async function validateClient(provider: Provider, metadata: ClientMetadata): Promise<void> {
  try {
    await provider.Client.validate(metadata);
  } catch (error) {
    const description = (error as { error_description?: unknown }).error_description;
    const detail = typeof description === 'string' ? `: ${description}` : '';
    throw new Error(`setClient(${metadata.client_id}): ${String(error)}${detail}`, {
      cause: error,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Provider configuration
// ---------------------------------------------------------------------------------------------

/**
 * The full OIDC standard claim set, so `profile` and `email` scopes map to what real providers
 * release and the RP's claim handling is exercised.
 */
const STANDARD_CLAIMS: Record<string, string[] | null> = {
  acr: null,
  auth_time: null,
  iss: null,
  sid: null,
  openid: ['sub'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

const DAY = 24 * 60 * 60;

async function buildConfiguration(
  options: TestProviderOptions,
  store: Map<string, StoredEntry>,
): Promise<Configuration> {
  const accounts = options.accounts ?? TEST_ACCOUNTS;
  const rotate = options.rotateRefreshTokens ?? true;
  return {
    adapter: createAdapter(store),
    findAccount: (_ctx, sub) => findAccountIn(accounts, sub),
    jwks: { keys: [await generateSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: STANDARD_CLAIMS,
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    pkce: { required: () => true },
    // Without offline_access (which oidc-provider also strips unless prompt=consent), the default
    // issues no refresh token at all; the RP's refresh logic needs one on every login.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => rotate,
    clientBasedCORS: () => true,
    // Keeps count('/token') about the token endpoint alone.
    routes: { revocation: '/revoke', introspection: '/introspect' },
    ttl: {
      AccessToken: options.accessTokenTTL ?? 3600,
      IdToken: options.idTokenTTL ?? 3600,
      AuthorizationCode: 60,
      RefreshToken: 14 * DAY,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: 14 * DAY,
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: options.backchannelLogout ?? false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
    fetch: loopbackFetch,
  };
}

function initialClients(options: TestProviderOptions): ClientMetadata[] {
  if (options.clients) return options.clients;
  return [
    {
      ...TEST_CLIENT,
      redirect_uris: [...(options.redirectUris ?? TEST_CLIENT.redirect_uris)],
      post_logout_redirect_uris: [
        ...(options.postLogoutRedirectUris ?? TEST_CLIENT.post_logout_redirect_uris),
      ],
      grant_types: [...TEST_CLIENT.grant_types],
      response_types: [...TEST_CLIENT.response_types],
    },
  ];
}

/**
 * Unknown accounts resolve to undefined. oidc-provider 9's devInteractions accept any login
 * name without asking, and then fail the resumed authorization with a server_error (500), so
 * a mistyped account surfaces as a failed `completeLogin`, not as a silent stranger.
 */
function findAccountIn(
  accounts: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  sub: string,
): Account | undefined {
  const claims = accounts[sub];
  if (claims === undefined) return undefined;
  return { accountId: sub, claims: () => ({ ...claims, sub }) };
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    ...jwk,
    kty: 'RSA',
    kid: `test-${randomBytes(6).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
}

/**
 * oidc-provider's outgoing fetch (back-channel logout) uses an SSRF-guarding dispatcher that
 * refuses loopback addresses, and the RP under test is on 127.0.0.1.
 */
function loopbackFetch(url: URL | string | Request, options?: RequestInit): Promise<Response> {
  const rest: RequestInit & { dispatcher?: unknown } = { ...options };
  delete rest.dispatcher;
  return fetch(url, rest);
}

/** Plain, font-free pages: the defaults @import Google Fonts, and there is no network here. */
function renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: unknown): void {
  const lines = Object.entries(out)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `<p>${escapeHtml(key)}: ${escapeHtml(value)}</p>`);
  ctx.type = 'html';
  ctx.body = page('Error', lines.join('\n'));
}

function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.body = page(
    'Sign out',
    `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.body = page('Signed out', '<p>Sign-out successful.</p>');
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Storage adapter
// ---------------------------------------------------------------------------------------------

interface StoredEntry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * A Map-backed adapter, one store per provider. Chosen over oidc-provider's built-in memory
 * adapter because that one is an LRU capped at 1000 entries (a long suite could evict the
 * registered client), it warns on every start, and clients must live in the adapter rather
 * than in static config for {@link TestProvider.setClient} to replace them.
 */
function createAdapter(store: Map<string, StoredEntry>): AdapterFactory {
  return (model) => new MapAdapter(model, store);
}

class MapAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Map<string, StoredEntry>;

  constructor(model: string, store: Map<string, StoredEntry>) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
    const entry = { payload, expiresAt };
    this.#store.set(this.#key(id), entry);
    if (payload.uid !== undefined) this.#store.set(`uid:${payload.uid}`, this.#pointer(id, entry));
    if (payload.userCode !== undefined) {
      this.#store.set(`userCode:${payload.userCode}`, this.#pointer(id, entry));
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(this.#key(id))?.payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#follow(`uid:${uid}`);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#follow(`userCode:${userCode}`);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#live(this.#key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of this.#store) {
      if (entry.payload.grantId === grantId) this.#store.delete(key);
    }
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  /** Secondary indexes store the primary key as their payload, with the same expiry. */
  #pointer(id: string, entry: StoredEntry): StoredEntry {
    return { payload: { key: this.#key(id) }, expiresAt: entry.expiresAt };
  }

  #follow(indexKey: string): AdapterPayload | undefined {
    const key = this.#live(indexKey)?.payload.key;
    return typeof key === 'string' ? this.#live(key)?.payload : undefined;
  }

  #live(key: string): StoredEntry | undefined {
    const entry = this.#store.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#store.delete(key);
      return undefined;
    }
    return entry;
  }
}

// ---------------------------------------------------------------------------------------------
// Server lifecycle
// ---------------------------------------------------------------------------------------------

interface ServerLifecycle {
  /** Resolves with the bound port; a no-op when already listening. */
  listen(port: number): Promise<number>;
  /** Idempotent; destroys open connections. */
  stop(): Promise<void>;
}

function serverLifecycle(server: Server): ServerLifecycle {
  const sockets = trackSockets(server);
  return {
    listen: (port) => (server.listening ? Promise.resolve(port) : listen(server, port)),
    stop: () => (server.listening ? closeServer(server, sockets) : Promise.resolve()),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Keep-alive sockets would otherwise keep the "stopped" provider reachable. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    for (const socket of sockets) socket.destroy();
  });
}

function pathOf(url: string | undefined): string {
  return new URL(url ?? '/', 'http://placeholder').pathname;
}

// ---------------------------------------------------------------------------------------------
// Quieting oidc-provider's development notices
// ---------------------------------------------------------------------------------------------

/** Matches with or without the ANSI colour prefix that `attention.js` adds on a TTY. */
function isNotice(message: unknown): boolean {
  if (typeof message !== 'string') return false;
  const at = Math.max(
    message.indexOf('oidc-provider WARNING: '),
    message.indexOf('oidc-provider NOTICE: '),
  );
  return at >= 0 && at <= 8;
}

let loaded: Promise<typeof OidcProviderModule> | undefined;

/**
 * Imported lazily so the "Unsupported runtime" warning it prints on Node 20 at evaluation time
 * falls inside {@link quietly}; the project supports Node 20 and the warning is noise.
 */
function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  loaded ??= quietlyAsync(() => import('oidc-provider'));
  return loaded;
}

let quietDepth = 0;
let restoreConsole: (() => void) | undefined;

function muteNotices(): void {
  if (quietDepth++ > 0) return;
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (isNotice(args[0])) return;
      original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  restoreConsole = () => {
    console.warn = warn;
    console.info = info;
  };
}

/** Depth-counted so overlapping async uses cannot leave the console patched. */
function unmuteNotices(): void {
  if (--quietDepth > 0) return;
  restoreConsole?.();
  restoreConsole = undefined;
}

/** The dev-only warnings (devInteractions, etc.) are printed during construction. */
function quietly<T>(fn: () => T): T {
  muteNotices();
  try {
    return fn();
  } finally {
    unmuteNotices();
  }
}

async function quietlyAsync<T>(fn: () => Promise<T>): Promise<T> {
  muteNotices();
  try {
    return await fn();
  } finally {
    unmuteNotices();
  }
}

// ---------------------------------------------------------------------------------------------
// Cookie jar
// ---------------------------------------------------------------------------------------------

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt: number;
}

/**
 * Just enough of RFC 6265 for the provider's cookies: host-only, path-scoped (the interaction
 * cookies are scoped to `/interaction/<uid>` and `/auth/<uid>`), and expiring (logout clears
 * the session cookie by setting a 1970 date). Pass the same jar to several `completeLogin`
 * calls to keep the provider session, as a browser would (SSO).
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Records the `Set-Cookie` headers of a response from `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, url);
      if (cookie === undefined) continue;
      const key = `${cookie.host};${cookie.path};${cookie.name}`;
      if (cookie.expiresAt <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header a browser would send to `url`, or undefined when none apply. */
  header(url: URL): string | undefined {
    const pairs = this.#matching(url).map((cookie) => `${cookie.name}=${cookie.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  /** Value of a live cookie by name, whatever its path (for assertions). */
  get(name: string): string | undefined {
    return this.#live().find((cookie) => cookie.name === name)?.value;
  }

  /** Names of all live cookies (for assertions). */
  names(): string[] {
    return this.#live().map((cookie) => cookie.name);
  }

  clear(): void {
    this.#cookies.clear();
  }

  #live(): StoredCookie[] {
    const now = Date.now();
    return [...this.#cookies.values()].filter((cookie) => cookie.expiresAt > now);
  }

  #matching(url: URL): StoredCookie[] {
    return this.#live()
      .filter((cookie) => cookie.host === url.host && pathMatches(url.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length);
  }
}

function parseSetCookie(header: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...rawAttributes] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) return undefined;
  const attributes = new Map(rawAttributes.map(splitAttribute));
  const path = attributes.get('path');
  return {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    host: url.host,
    path: path?.startsWith('/') ? path : defaultCookiePath(url.pathname),
    expiresAt: expiryOf(attributes.get('max-age'), attributes.get('expires')),
  };
}

function splitAttribute(attribute: string): [string, string] {
  const separator = attribute.indexOf('=');
  if (separator === -1) return [attribute.trim().toLowerCase(), ''];
  return [
    attribute.slice(0, separator).trim().toLowerCase(),
    attribute.slice(separator + 1).trim(),
  ];
}

/** Max-Age wins over Expires (RFC 6265 §5.3); neither means a session cookie. */
function expiryOf(maxAge: string | undefined, expires: string | undefined): number {
  if (maxAge !== undefined && /^-?\d+$/.test(maxAge)) return Date.now() + Number(maxAge) * 1000;
  const date = expires === undefined ? NaN : Date.parse(expires);
  return Number.isFinite(date) ? date : Infinity;
}

function defaultCookiePath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

// ---------------------------------------------------------------------------------------------
// Browser-less login and logout
// ---------------------------------------------------------------------------------------------

export interface CompleteLoginOptions {
  /** Login name typed into the dev login form (default 'alice'). */
  account?: string;
  /**
   * 'deny' aborts at the consent prompt, so the provider answers `error=access_denied`. When
   * the account already granted everything requested (a second login with the same jar),
   * there is no consent prompt and a code comes back even with 'deny'.
   */
  consent?: 'approve' | 'deny';
  /** Provider cookies to send and update; reuse across calls to test SSO. */
  jar?: CookieJar;
}

/** Enough for login + consent + their resumes, with room for an unexpected extra hop. */
const MAX_HOPS = 12;

interface PendingRequest {
  url: URL;
  method: 'GET' | 'POST';
  form?: Record<string, string>;
}

/**
 * Plays the browser through oidc-provider's devInteractions: follows the provider's redirects
 * (never the final one), keeps its cookies, submits the login form with `account`, then
 * approves or aborts the consent prompt.
 *
 * The forms are read from the rendered HTML rather than guessed, so the helper follows the
 * provider wherever it is mounted: both post to `<issuer>/interaction/<uid>` with
 * `prompt=login&login=<account>&password=<any>` or `prompt=consent`; aborting is a GET of
 * `<issuer>/interaction/<uid>/abort`.
 *
 * @returns the redirect back to the relying party: the `redirect_uri` with `code`, `state`,
 *   `iss`, or with `error`, `state`, `iss`. "Back to the RP" means the `redirect_uri` given in
 *   the authorization URL, or failing that any origin other than the authorization endpoint's.
 * @throws Error with the status and a body snippet on anything unexpected.
 */
export async function completeLogin(
  authorizationUrl: string | URL,
  options: CompleteLoginOptions = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const account = options.account ?? 'alice';
  const jar = options.jar ?? new CookieJar();
  const isBackToClient = backToClientMatcher(start);
  let next: PendingRequest = { url: start, method: 'GET' };
  let loginSubmitted = false;

  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const { response, body } = await send(next, jar);
    const location = redirectTarget(response, next.url);
    if (location !== undefined) {
      if (isBackToClient(location)) return location;
      next = { url: location, method: 'GET' };
      continue;
    }
    const prompt = response.status === 200 ? parseInteraction(body, next.url) : undefined;
    if (prompt === undefined) {
      const hint = loginSubmitted
        ? ` (after signing in as "${account}": is that account known?)`
        : '';
      throw unexpected(`completeLogin${hint}`, next, response, body);
    }
    if (prompt.name === 'login') {
      if (loginSubmitted) {
        throw new Error(
          `completeLogin: the provider rejected login "${account}" (unknown account?)`,
        );
      }
      loginSubmitted = true;
      next = loginSubmission(prompt, account);
    } else {
      next = consentStep(prompt, options.consent ?? 'approve');
    }
  }
  throw new Error(`completeLogin: no redirect back to the client after ${MAX_HOPS} hops`);
}

/**
 * Drives RP-initiated logout: follows the provider's redirects from the end-session URL,
 * confirms the "sign out?" form with `logout=yes`, and returns the redirect to the
 * `post_logout_redirect_uri` (with `state`), or, when the RP sent none, the URL of the
 * provider's own success page.
 */
export async function completeLogout(
  endSessionUrl: string | URL,
  options: { jar?: CookieJar } = {},
): Promise<URL> {
  const start = new URL(endSessionUrl);
  const jar = options.jar ?? new CookieJar();
  const postLogout = start.searchParams.get('post_logout_redirect_uri');
  let next: PendingRequest = { url: start, method: 'GET' };
  let confirmed = false;

  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const { response, body } = await send(next, jar);
    const location = redirectTarget(response, next.url);
    if (location !== undefined) {
      if (location.origin !== start.origin || sameEndpoint(location, postLogout)) return location;
      next = { url: location, method: 'GET' };
      continue;
    }
    if (response.status === 200 && confirmed) return next.url;
    const form = response.status === 200 ? parseForm(body, next.url) : undefined;
    if (form === undefined) throw unexpected('completeLogout', next, response, body);
    confirmed = true;
    next = { url: form.action, method: 'POST', form: { ...form.fields, logout: 'yes' } };
  }
  throw new Error(`completeLogout: no final redirect after ${MAX_HOPS} hops`);
}

async function send(
  request: PendingRequest,
  jar: CookieJar,
): Promise<{ response: Response; body: string }> {
  const headers = new Headers();
  const cookie = jar.header(request.url);
  if (cookie !== undefined) headers.set('cookie', cookie);
  let body: URLSearchParams | undefined;
  if (request.form !== undefined) body = new URLSearchParams(request.form);
  const response = await fetch(request.url, {
    method: request.method,
    headers,
    body,
    redirect: 'manual',
  });
  jar.store(request.url, response.headers.getSetCookie());
  return { response, body: await response.text() };
}

function redirectTarget(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || location === null) return undefined;
  return new URL(location, base);
}

function backToClientMatcher(authorizationUrl: URL): (location: URL) => boolean {
  const redirectUri = authorizationUrl.searchParams.get('redirect_uri');
  return (location) =>
    sameEndpoint(location, redirectUri) || location.origin !== authorizationUrl.origin;
}

function sameEndpoint(location: URL, expected: string | null): boolean {
  const parsed = expected === null ? null : URL.parse(expected);
  return (
    parsed !== null && location.origin === parsed.origin && location.pathname === parsed.pathname
  );
}

interface InteractionPage {
  name: 'login' | 'consent';
  submitUrl: URL;
  abortUrl: URL | undefined;
}

function parseInteraction(html: string, base: URL): InteractionPage | undefined {
  const form = parseForm(html, base);
  const name = form?.fields.prompt;
  if (form === undefined || (name !== 'login' && name !== 'consent')) return undefined;
  const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
  return {
    name,
    submitUrl: form.action,
    abortUrl: abort === undefined ? undefined : new URL(unescapeHtml(abort), base),
  };
}

function loginSubmission(page: InteractionPage, account: string): PendingRequest {
  return {
    url: page.submitUrl,
    method: 'POST',
    // devInteractions accepts any password; the field is sent because the form has it.
    form: { prompt: 'login', login: account, password: 'any-password' },
  };
}

function consentStep(page: InteractionPage, consent: 'approve' | 'deny'): PendingRequest {
  if (consent === 'approve') {
    return { url: page.submitUrl, method: 'POST', form: { prompt: 'consent' } };
  }
  if (page.abortUrl === undefined) {
    throw new Error('completeLogin: the consent page has no abort link to deny with');
  }
  return { url: page.abortUrl, method: 'GET' };
}

/** The first form of the page: its action and hidden inputs. */
function parseForm(
  html: string,
  base: URL,
): { action: URL; fields: Record<string, string> } | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (formMatch === null) return undefined;
  const action = /\baction="([^"]*)"/i.exec(formMatch[0])?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const input of formMatch[1]?.match(/<input\b[^>]*>/gi) ?? []) {
    const type = /\btype="([^"]*)"/i.exec(input)?.[1];
    const name = /\bname="([^"]*)"/i.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(input)?.[1] ?? '';
    if (type === 'hidden' && name !== undefined) fields[name] = unescapeHtml(value);
  }
  return { action: new URL(unescapeHtml(action), base), fields };
}

function unexpected(
  helper: string,
  request: PendingRequest,
  response: Response,
  body: string,
): Error {
  const snippet = body.replace(/\s+/g, ' ').slice(0, 500);
  return new Error(
    `${helper}: unexpected ${response.status} from ${request.method} ${request.url.href}: ${snippet}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#x([\da-f]+);/gi, (_match, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_match, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
