/**
 * The identity providers the example app offers when started with no configuration, so a
 * newcomer can try each kind without registering anywhere:
 *
 * - `local`: the embedded OpenID Provider (embedded-provider.ts), served by the app under /oidc;
 * - `financefeast`, `alpaca`, `algogene`, `php`: simulators of real providers (simulators/),
 *   each on its own free port on 127.0.0.1.
 *
 * Every simulated provider is configured through the package's preset, exactly as the real one
 * would be, only with its base URLs pointing at the simulator. The simulators' login pages show
 * the demo user to type. Everything lives in memory; nothing here is for production.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type express from 'express';
import { algogene, alpaca, createTokenClient, financefeast, genericOAuth2 } from 'express-oauth-rp';
import type { OAuthProviderOptions, OAuthRouter } from 'express-oauth-rp';

import { startAlgogeneSimulator } from '../simulators/algogene.js';
import type { AlgogeneSimulator } from '../simulators/algogene.js';
import { startAlgoregSimulator } from '../simulators/algoreg.js';
import type { AlgoregSimulator } from '../simulators/algoreg.js';
import { startAlpacaSimulator } from '../simulators/alpaca.js';
import type { AlpacaSimulator } from '../simulators/alpaca.js';
import type { LoginPageOptions } from '../simulators/code-flow.js';
import { startFinancefeastSimulator } from '../simulators/financefeast.js';
import type { FinancefeastSimulator } from '../simulators/financefeast.js';
import { startGenericPhpSimulator } from '../simulators/generic-php.js';
import type { GenericPhpSimulator } from '../simulators/generic-php.js';
import { createEmbeddedProvider, DEMO_LOGIN, EMBEDDED_CLIENT_ID } from './embedded-provider.js';
import { interactionRoutes } from './provider-interactions.js';
import type { DemoLogin } from './views.js';

/** The running simulators, by provider name (tests play the user with their `approve()`). */
export interface DemoSimulators {
  readonly financefeast: FinancefeastSimulator;
  readonly alpaca: AlpacaSimulator;
  readonly algogene: AlgogeneSimulator;
  readonly php: GenericPhpSimulator;
  /** Not a sign-in provider: the server-to-server API of the /algoreg page. */
  readonly algoreg: AlgoregSimulator;
}

/** The demo providers' names, in the order the home page offers them. */
export const DEMO_PROVIDER_NAMES = ['local', 'financefeast', 'alpaca', 'algogene', 'php'] as const;

export type DemoProviderName = (typeof DEMO_PROVIDER_NAMES)[number];

export interface DemoProviders {
  /** `providers` for `oauthMiddleware()`, in the order the home page offers them. */
  readonly providers: Readonly<Record<DemoProviderName, OAuthProviderOptions>>;
  /** What to type at each provider's login page. */
  readonly logins: Readonly<Record<DemoProviderName, DemoLogin>>;
  readonly simulators: DemoSimulators;
  /**
   * Tells every provider the app's exact redirect URIs (from the middleware configured with
   * `providers`) and creates the embedded OpenID Provider. Returns the embedded provider's
   * request listener, to mount under /oidc, and its sign-in and consent pages, to mount under
   * /oidc/interaction (before the listener).
   */
  connect(router: OAuthRouter): Promise<EmbeddedProviderRoutes>;
  /** The resource identifier of the app's own API at the embedded provider (`<baseURL>/api`). */
  readonly apiResource: string;
  /**
   * An access token for the app's API from the embedded provider (client credentials, RFC 8707
   * resource), as another service would get one; for the start-up `curl` line.
   */
  apiToken(): Promise<string>;
  /** Closes the simulators. */
  close(): Promise<void>;
}

export interface EmbeddedProviderRoutes {
  /** oidc-provider itself. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The sign-in and consent pages, rendered by the app (provider-interactions.ts). */
  readonly interactions: express.Router;
}

interface Closable {
  close(): Promise<void>;
}

const LOGIN_HINT: LoginPageOptions = {
  loginHint: (user) => `Demo user: ${user.username} / ${user.password}`,
};

/** Starts the five simulators on free loopback ports; `baseURL` is the example app's. */
export async function startDemoProviders(baseURL: string): Promise<DemoProviders> {
  const simulators = await startSimulators();
  const issuer = `${baseURL}/oidc`;
  const clientSecret = randomBytes(32).toString('base64url');
  const { financefeast: ff, alpaca: ap, algogene: ag, php } = simulators;
  const apiResource = `${baseURL}/api`;
  const apiClient = {
    clientId: 'example-api-client',
    clientSecret: randomBytes(32).toString('base64url'),
  };
  const apiTokens = createTokenClient({
    grant: 'client_credentials',
    tokenEndpoint: `${issuer}/token`,
    ...apiClient,
    tokenParams: { resource: apiResource },
  });

  const providers: Record<DemoProviderName, OAuthProviderOptions> = {
    local: {
      label: 'Local OpenID Provider',
      issuer,
      clientId: EMBEDDED_CLIENT_ID,
      clientSecret,
      scope: 'openid profile email',
      // The embedded provider puts name and email in the ID token already.
      fetchUserInfo: false,
      // An allow rule: only verified @example.com addresses may sign in with this provider.
      allow: { emailDomains: ['example.com'], emailVerified: true },
    },
    financefeast: financefeast({
      clientId: ff.client.clientId,
      clientSecret: ff.client.clientSecret,
      issuer: ff.issuer,
    }),
    alpaca: alpaca({
      clientId: ap.client.clientId,
      clientSecret: ap.client.clientSecret,
      scope: 'account:write trading',
      environment: 'paper',
      appURL: ap.appUrl,
      apiURL: ap.paperApiUrl,
    }),
    algogene: algogene({
      userId: ag.partner.user,
      apiKey: ag.partner.apiKey,
      baseURL: ag.url,
    }),
    php: genericOAuth2({
      baseURL: php.url,
      clientId: php.client.clientId,
      clientSecret: php.client.clientSecret,
      label: 'Generic OAuth 2.0 (PHP)',
    }),
  };

  const logins: Record<DemoProviderName, DemoLogin> = {
    // The embedded provider's sign-in page takes any password.
    local: { username: DEMO_LOGIN },
    financefeast: pick(ff.user),
    alpaca: pick(ap.user),
    algogene: pick(ag.member),
    php: pick(php.user),
  };

  return {
    providers,
    logins,
    simulators,
    async connect(router) {
      const redirectUri = (name: DemoProviderName): string => {
        const uri = router.redirectUris[name];
        if (uri === undefined) throw new Error(`the middleware has no provider "${name}"`);
        return uri;
      };
      ff.addRedirectUri(redirectUri('financefeast'));
      ap.addRedirectUri(redirectUri('alpaca'));
      php.addRedirectUri(redirectUri('php'));
      // ALGOGENE registers no redirect URI: its authorization API takes any `redirect_url`.
      const op = await createEmbeddedProvider({
        issuer,
        redirectUris: [redirectUri('local')],
        postLogoutRedirectUris: [router.postLogoutRedirectUri],
        clientSecret,
        api: { resource: apiResource, ...apiClient },
      });
      return {
        handler: op.handler,
        interactions: interactionRoutes(op.provider, { username: DEMO_LOGIN }),
      };
    },
    apiResource,
    // The package's own token client, as a service calling the API would use it.
    apiToken: () => apiTokens.getAccessToken(),
    close: () => closeAll(Object.values(simulators)),
  };
}

function pick(user: { readonly username: string; readonly password: string }): DemoLogin {
  return { username: user.username, password: user.password };
}

async function closeAll(servers: readonly Closable[]): Promise<void> {
  await Promise.all(servers.map((server) => server.close()));
}

/** Starts all five; if one fails, closes those that started, so no port is left open. */
async function startSimulators(): Promise<DemoSimulators> {
  const started: Closable[] = [];
  const track = async <T extends Closable>(starting: Promise<T>): Promise<T> => {
    const simulator = await starting;
    started.push(simulator);
    return simulator;
  };
  const starting = [
    track(startFinancefeastSimulator(LOGIN_HINT)),
    track(startAlpacaSimulator(LOGIN_HINT)),
    track(startAlgogeneSimulator(LOGIN_HINT)),
    track(startGenericPhpSimulator(LOGIN_HINT)),
    track(startAlgoregSimulator()),
  ] as const;
  const failed = (await Promise.allSettled(starting)).find(
    (result) => result.status === 'rejected',
  );
  if (failed !== undefined) {
    await closeAll(started);
    throw failed.reason;
  }
  const [
    financefeastSimulator,
    alpacaSimulator,
    algogeneSimulator,
    phpSimulator,
    algoregSimulator,
  ] = await Promise.all(starting);
  return {
    financefeast: financefeastSimulator,
    alpaca: alpacaSimulator,
    algogene: algogeneSimulator,
    php: phpSimulator,
    algoreg: algoregSimulator,
  };
}
