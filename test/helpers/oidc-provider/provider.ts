/**
 * Starting and stopping the test OpenID Provider: the public options and handle, and the HTTP
 * server it is mounted on. How it is configured is in `configuration.ts`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { ClientMetadata, Provider } from 'oidc-provider';

import { buildConfiguration } from './configuration.js';
import { TEST_CLIENT } from './fixtures.js';
import { loadOidcProvider, quietly } from './notices.js';
import { serverLifecycle } from './server-lifecycle.js';
import type { ServerLifecycle } from './server-lifecycle.js';
import { createAdapter } from './storage.js';
import type { StoredEntry } from './storage.js';

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
  /** Enable `features.clientCredentials`, the grant of RFC 6749 §4.4 (default false). */
  clientCredentials?: boolean;
  /** Enable `features.backchannelLogout` (default false). */
  backchannelLogout?: boolean;
  /** Refuse authorization requests that were not pushed first (RFC 9126; default false). */
  requirePushedAuthorizationRequests?: boolean;
  /** Enable `features.requestObjects` (RFC 9101; default false). */
  requestObjects?: boolean;
  /**
   * Require a server nonce in DPoP proofs (RFC 9449 §8) at the token, PAR and userinfo endpoints
   * (`features.dPoP.requireNonce`; default false). DPoP itself is always on, as in oidc-provider.
   */
  dpopNonce?: boolean;
  /**
   * Resource servers (RFC 8707) by resource indicator, with the scopes each accepts; their access
   * tokens are RFC 9068 JWTs signed RS256. Default none (a `resource` parameter is refused).
   */
  resourceServers?: Record<string, { scope: string }>;
  /**
   * oidc-provider's FAPI 2.0 Security Profile (`features.fapi`, profile `2.0`), with an ES256
   * signing key beside the RS256 one for clients registered with `id_token_signed_response_alg:
   * 'ES256'` (default false).
   */
  fapi2?: boolean;
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

function pathOf(url: string | undefined): string {
  return new URL(url ?? '/', 'http://placeholder').pathname;
}
