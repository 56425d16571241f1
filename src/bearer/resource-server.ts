import { OAuthError } from '../errors.js';
import type { OAuthProviderClient, OAuthResourceServer } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { createAccessTokenVerifier } from './jwt-access-token.js';
import type { AccessTokenVerifier } from './jwt-access-token.js';
import type { ResolvedBearerOptions } from './options.js';

function misconfigured(message: string): OAuthError {
  return new OAuthError(message, { code: 'OAUTH_INTERNAL_ERROR' });
}

/**
 * The configured provider whose tokens a guard accepts: named, found by its issuer, or the
 * default one. An `issuer` that is none of the configured providers' is refused rather than
 * discovered apart: introspection needs the client's credentials at that provider, and one
 * discovery and key cache per provider is what keeps key rotation and rate limits in one place.
 * The guard is created before it can see the middleware, so this is known at the first request.
 */
function findProvider(runtime: OAuthRuntime, settings: ResolvedBearerOptions): OAuthProviderClient {
  if (settings.provider !== undefined) {
    const provider = runtime.providers.find(settings.provider);
    if (provider === undefined) {
      throw misconfigured(
        `requireBearer() names the provider "${settings.provider}", which oauthMiddleware() does not configure`,
      );
    }
    return provider;
  }
  if (settings.issuer !== undefined) {
    const issuer = settings.issuer.href;
    const provider = runtime.providers
      .all()
      .find((client) => client.settings.kind === 'oidc' && client.settings.issuer.href === issuer);
    if (provider === undefined) {
      throw misconfigured(
        `requireBearer() names the issuer ${issuer}, which no OpenID Connect provider of oauthMiddleware() has; configure that provider, or name a configured one`,
      );
    }
    return provider;
  }
  const name = runtime.options.defaultProvider;
  const provider = name === undefined ? undefined : runtime.providers.find(name);
  if (provider === undefined) {
    throw misconfigured(
      'requireBearer() names no provider and oauthMiddleware() has no default one; set "provider" or "issuer"',
    );
  }
  return provider;
}

/** The resource-server view of the guard's provider: its discovery, keys and client authentication. */
async function resourceServerFor(
  runtime: OAuthRuntime,
  settings: ResolvedBearerOptions,
): Promise<{ name: string; server: OAuthResourceServer }> {
  const provider = findProvider(runtime, settings);
  if (provider.resourceServer === undefined) {
    throw misconfigured(
      `requireBearer() needs an OpenID Connect provider (found by discovery); "${provider.name}" is not one`,
    );
  }
  return { name: provider.name, server: await provider.resourceServer() };
}

/** The guard's provider, found and ready: its name, its resource-server view, its checks. */
export interface GuardedServer {
  readonly name: string;
  readonly server: OAuthResourceServer;
  /** Seconds: the guard's own, else the middleware's. */
  readonly clockTolerance: number;
  readonly verifyJwt: AccessTokenVerifier;
}

/**
 * Finds a guard's provider, awaits its discovery and builds its token checks once per
 * middleware, then keeps them as a value: a request after the first neither waits a promise
 * turn for them nor builds them again. A failure is not kept, so the next request tries again.
 */
export function createServerFinder(
  settings: ResolvedBearerOptions,
): (runtime: OAuthRuntime) => GuardedServer | Promise<GuardedServer> {
  const found = new WeakMap<OAuthRuntime, GuardedServer>();
  const finding = new WeakMap<OAuthRuntime, Promise<GuardedServer>>();
  return (runtime) => {
    const ready = found.get(runtime);
    if (ready !== undefined) return ready;
    let pending = finding.get(runtime);
    if (pending === undefined) {
      const clockTolerance = settings.clockTolerance ?? runtime.options.clockTolerance;
      pending = resourceServerFor(runtime, settings).then(({ name, server }) => {
        const guarded: GuardedServer = {
          name,
          server,
          clockTolerance,
          verifyJwt: createAccessTokenVerifier(server, settings.audience, clockTolerance),
        };
        found.set(runtime, guarded);
        return guarded;
      });
      finding.set(runtime, pending);
      pending.catch(() => finding.delete(runtime));
    }
    return pending;
  };
}
