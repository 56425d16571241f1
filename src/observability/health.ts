import { randomUUID } from 'node:crypto';
import { OAuthError } from '../errors.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import type { OAuthEndpointKind } from './events.js';

/** What was loaded from a provider, and when. */
export interface OAuthLoadedHealth {
  /** Whether it is loaded (and cached). */
  readonly loaded: boolean;
  /** Seconds since it was loaded. */
  readonly ageSeconds?: number;
}

/** The last time a provider could not serve a request. */
export interface OAuthProviderFailureHealth {
  /** The code a flow meeting it is given, e.g. `OAUTH_PROVIDER_UNAVAILABLE`. */
  readonly code: string;
  /** When, as an ISO 8601 date. */
  readonly at: string;
  /** What the request was for. */
  readonly endpoint: OAuthEndpointKind;
  /** The HTTP status, when the provider answered. */
  readonly status?: number;
}

/** One provider in {@link OAuthHealth}. */
export interface OAuthProviderHealth {
  /** `oidc` (found by discovery), `oauth2` (configured endpoints) or `custom` (an adapter). */
  readonly kind: 'oidc' | 'oauth2' | 'custom';
  /** Whether logins can start: the discovery metadata is loaded (always true without discovery). */
  readonly ready: boolean;
  /** The discovery metadata (OpenID Connect providers only). */
  readonly discovery?: OAuthLoadedHealth;
  /** The provider's signing keys (OpenID Connect providers only), fetched at the first login. */
  readonly keys?: OAuthLoadedHealth;
  /** The code of the failure that left the metadata unloaded just now. */
  readonly error?: string;
  /** The last request this provider could not serve (a network error, a 5xx, a 429). */
  readonly lastFailure?: OAuthProviderFailureHealth;
}

/**
 * What `oauth.health()` answers: whether this instance can sign people in, with the details an
 * operator needs. It never holds a secret, a token or a URL with a query.
 */
export interface OAuthHealth {
  /** Every provider ready and the refresh lock answering: what a readiness probe checks. */
  readonly ready: boolean;
  /** When this was checked, as an ISO 8601 date. */
  readonly checkedAt: string;
  /** Each configured provider, by name (none with providers per tenant: see `tenants`). */
  readonly providers: Readonly<Record<string, OAuthProviderHealth>>;
  /**
   * Providers per tenant: each tenant resolved and still cached, by its key, with its providers
   * by name. A tenant not requested since the start (or evicted) is not listed.
   */
  readonly tenants?: Readonly<Record<string, Readonly<Record<string, OAuthProviderHealth>>>>;
  /** Whether the refresh lock's store (Redis, say) took and released a lock in time. */
  readonly refreshLock: {
    /** Whether a lock on a key of its own was taken and released in time. */
    readonly ok: boolean;
    /** Milliseconds the check took. */
    readonly latencyMs: number;
    /** Why it is not ok: it did not answer in time, it failed, or it refused a free key. */
    readonly error?: 'timeout' | 'error' | 'refused';
  };
}

/** At most this long for the lock's store to answer. */
const LOCK_CHECK_MS = 2000;

function loaded(at: number | undefined, now: number): OAuthLoadedHealth {
  return at === undefined
    ? { loaded: false }
    : { loaded: true, ageSeconds: Math.floor((now - at) / 1000) };
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

async function providerHealth(provider: OAuthProviderClient): Promise<OAuthProviderHealth> {
  const { kind } = provider.settings;
  let error: string | undefined;
  // Discovery is cached once it succeeded; a probe that finds it missing tries it, so a
  // readiness probe does not wait for a first login that cannot come while it says "not ready".
  if (provider.ready !== undefined) {
    try {
      await provider.ready();
    } catch (failure) {
      error = failure instanceof OAuthError ? failure.code : 'OAUTH_INTERNAL_ERROR';
    }
  }
  const observer = provider.observer;
  const now = Date.now();
  const failure = observer?.lastFailure;
  return {
    kind,
    ready: error === undefined,
    ...(kind === 'oidc'
      ? {
          discovery: loaded(error === undefined ? observer?.discoveredAt : undefined, now),
          keys: loaded(observer?.keysFetchedAt, now),
        }
      : {}),
    ...(error === undefined ? {} : { error }),
    ...(failure === undefined
      ? {}
      : {
          lastFailure: {
            code: failure.code,
            at: new Date(failure.at).toISOString(),
            endpoint: failure.endpoint,
            ...(failure.status === undefined ? {} : { status: failure.status }),
          },
        }),
  };
}

async function lockHealth(runtime: OAuthRuntime): Promise<OAuthHealth['refreshLock']> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const key = `health:${randomUUID()}`;
  const limit = Math.min(runtime.options.timeout, LOCK_CHECK_MS);
  try {
    const check = async (): Promise<'ok' | 'refused'> => {
      const token = await runtime.refreshLock.acquire(key, limit * 2);
      if (token === undefined) return 'refused';
      await runtime.refreshLock.release(key, token);
      return 'ok';
    };
    const answer = await Promise.race([check(), timeout(limit)]);
    return answer === 'ok'
      ? { ok: true, latencyMs: latency() }
      : { ok: false, latencyMs: latency(), error: answer };
  } catch {
    return { ok: false, latencyMs: latency(), error: 'error' };
  }
}

async function providersHealth(
  runtime: OAuthRuntime,
): Promise<Record<string, OAuthProviderHealth>> {
  const clients = runtime.providers.all();
  const providers = await Promise.all(clients.map((client) => providerHealth(client)));
  return Object.fromEntries(providers.map((health, i) => [clients[i]?.name, health]));
}

/**
 * Checks every provider and the refresh lock, at once; with providers per tenant, the providers
 * of every tenant in `tenants` (the cached ones) too.
 */
export async function checkHealth(
  runtime: OAuthRuntime,
  tenants?: readonly OAuthRuntime[],
): Promise<OAuthHealth> {
  const [lock, providers, ...perTenant] = await Promise.all([
    lockHealth(runtime),
    providersHealth(runtime),
    ...(tenants ?? []).map((tenant) => providersHealth(tenant)),
  ]);
  const all = [providers, ...perTenant].flatMap((byName) => Object.values(byName));
  return {
    ready: lock.ok && all.every((provider) => provider.ready),
    checkedAt: new Date().toISOString(),
    providers,
    ...(tenants === undefined
      ? {}
      : {
          tenants: Object.fromEntries(perTenant.map((byName, i) => [tenants[i]?.tenant, byName])),
        }),
    refreshLock: lock,
  };
}
