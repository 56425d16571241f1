/**
 * A zero-setup OpenID Provider for the example app, so a newcomer can sign in without
 * registering anything with a real identity provider.
 *
 * It is `oidc-provider` with the example app's own sign-in and consent pages
 * (provider-interactions.ts, at `<issuer>/interaction/<uid>`): any login name and any password
 * are accepted. Everything lives in memory and the client secret is generated at
 * start and never leaves the process. Not for production use.
 *
 * Mount it on the example app's Express server under the issuer's path:
 *
 * ```ts
 * const op = await createEmbeddedProvider({ issuer: 'http://localhost:3000/oidc', ... });
 * app.use('/oidc', op.handler); // before any body parser: oidc-provider parses its own bodies
 * ```
 *
 * Express strips the mount path from `req.url` but keeps `req.originalUrl`, from which
 * oidc-provider works out the prefix for the URLs it generates; the issuer must therefore
 * include the same path.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { exportJWK, generateKeyPair } from 'jose';
import type {
  Account,
  ClientMetadata,
  Configuration,
  ErrorOut,
  JWK,
  KoaContextWithOIDC,
  Provider,
} from 'oidc-provider';
import type * as OidcProviderModule from 'oidc-provider';

import { providerErrorPage, providerLogoutPage, providerSignedOutPage } from './provider-pages.js';

export interface EmbeddedProviderOptions {
  /** Full issuer URL including the mount path, e.g. `http://localhost:3000/oidc`. */
  issuer: string;
  /** The example app's exact callback URL(s). */
  redirectUris: string[];
  /** Where the app may send the user after sign-out. */
  postLogoutRedirectUris: string[];
  /**
   * The client secret, for an app that configures its relying party before starting the
   * provider (to learn its redirect URI from the middleware). Default: random.
   */
  clientSecret?: string;
  /**
   * The example app's own API, as a resource (RFC 8707): a second client may get JWT access
   * tokens for it with the client credentials grant, as another service would.
   */
  api?: { readonly resource: string; readonly clientId: string; readonly clientSecret: string };
}

export interface EmbeddedProvider {
  provider: Provider;
  clientId: string;
  clientSecret: string;
  /** Node request listener; mount it with `app.use(<issuer path>, handler)`. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The login name that gets the full demo profile. */
export const DEMO_LOGIN = 'demo';

/** The example app's client id at the embedded provider. */
export const EMBEDDED_CLIENT_ID = 'example-app';

const DEMO_PROFILE: Readonly<Record<string, unknown>> = Object.freeze({
  name: 'Demo User',
  given_name: 'Demo',
  family_name: 'User',
  preferred_username: 'demo',
  email: 'demo@example.com',
  email_verified: true,
});

const DAY = 24 * 60 * 60;

export async function createEmbeddedProvider(
  options: EmbeddedProviderOptions,
): Promise<EmbeddedProvider> {
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const client: ClientMetadata = {
    client_id: EMBEDDED_CLIENT_ID,
    client_secret: clientSecret,
    client_name: 'Example app',
    redirect_uris: [...options.redirectUris],
    post_logout_redirect_uris: [...options.postLogoutRedirectUris],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // auth_time in every ID token, not only those asked for with max_age: the security page's
    // requireAuth({ maxAge }) needs it to tell a recent sign-in from an old one, so the first
    // sign-in counts without a second trip. (prompt=login and max_age are honoured as they come.)
    require_auth_time: true,
  };
  const { Provider, errors } = await loadOidcProvider();
  const configuration = await buildConfiguration(client, new URL(options.issuer).pathname);
  if (options.api !== undefined) addApi(configuration, options.api, errors.InvalidTarget);
  const provider = withoutNotices(() => new Provider(options.issuer, configuration));
  // Otherwise a provider-side bug shows only as "server_error" in the browser.
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    console.error('[embedded OpenID Provider] server_error:', error);
  });
  const callback = provider.callback();

  return {
    provider,
    clientId: EMBEDDED_CLIENT_ID,
    clientSecret,
    handler: (req, res) => {
      // Koa handles and renders its own errors; the promise only signals completion.
      void callback(req, res);
    },
  };
}

async function buildConfiguration(
  client: ClientMetadata,
  issuerPath: string,
): Promise<Configuration> {
  return {
    // The example app renders sign-in and consent (provider-interactions.ts), under the issuer.
    interactions: {
      url: (_ctx, interaction) => `${issuerPath.replace(/\/$/, '')}/interaction/${interaction.uid}`,
    },
    clients: [client],
    findAccount: (_ctx, sub) => findAccount(sub),
    jwks: { keys: [await generateSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture'],
      email: ['email', 'email_verified'],
    },
    // So the ID token alone carries name and email, which is what the example shows.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // oidc-provider only issues refresh tokens for offline_access with prompt=consent by
    // default; the example demonstrates refreshing, so always issue one.
    issueRefreshToken: (_ctx, registered) => registered.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600,
      IdToken: 3600,
      AuthorizationCode: 60,
      RefreshToken: 14 * DAY,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: 14 * DAY,
    },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
  };
}

/**
 * Any login name is an account. Its email is the name itself when it looks like an address, else
 * `<name>@example.com`: the app's allow rule (only @example.com) then refuses `eve@other.example`,
 * which shows what a refused sign-in looks like.
 */
function findAccount(sub: string): Account {
  const email = sub.includes('@') ? sub : `${sub}@example.com`;
  const profile =
    sub === DEMO_LOGIN
      ? DEMO_PROFILE
      : { name: sub, preferred_username: sub, email, email_verified: true };
  return { accountId: sub, claims: () => ({ ...profile, sub }) };
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kty: 'RSA', kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

// oidc-provider's default pages @import a web font (a request off the machine) and look dated;
// these share the app's stylesheet (provider-pages.ts).

function renderError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.body = providerErrorPage(out.error, out.error_description);
}

function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = providerLogoutPage(form, ctx.oidc.client?.clientName, ctx.oidc.session?.accountId);
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.type = 'html';
  ctx.body = providerSignedOutPage();
}

// oidc-provider prints development notices (unsupported Node version on import; dev
// interactions, in-memory storage on construction). They are true and expected for a demo,
// and would only confuse a newcomer, so they are filtered while those two steps run.

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

function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  loaded ??= (async () => {
    const restore = muteNotices();
    try {
      return await import('oidc-provider');
    } finally {
      restore();
    }
  })();
  return loaded;
}

function withoutNotices<T>(fn: () => T): T {
  const restore = muteNotices();
  try {
    return fn();
  } finally {
    restore();
  }
}

/**
 * Returns its own undo. Patches nest safely as long as they are undone in reverse order,
 * which holds here: the import runs once, and construction is synchronous.
 */
function muteNotices(): () => void {
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (isNotice(args[0])) return;
      original.apply(console, args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  return () => {
    console.warn = warn;
    console.info = info;
  };
}

/**
 * The app's API as a resource server of the embedded provider: a client credentials client, and
 * RFC 9068 JWT access tokens whose audience is the API, which `requireAuthOrBearer()` checks.
 */
function addApi(
  configuration: Configuration,
  api: NonNullable<EmbeddedProviderOptions['api']>,
  InvalidTarget: new () => Error,
): void {
  configuration.clients = [
    ...(configuration.clients ?? []),
    {
      client_id: api.clientId,
      client_secret: api.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  configuration.features = {
    ...configuration.features,
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, client) =>
        client.clientId === api.clientId ? api.resource : undefined,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== api.resource) throw new InvalidTarget();
        return {
          scope: 'api:read',
          audience: api.resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  };
}
