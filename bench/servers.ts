/** Starts the provider and the variants, each in its own child process. */
import { forkServer } from './ipc.js';
import type { ChildHandle } from './ipc.js';
import type { ProviderCounts } from './provider-server.js';
import type { StoreStats, Variant } from './variant-server.js';

export interface ProviderHandle extends ChildHandle {
  readonly issuer: string;
  setRedirectUris(uris: readonly string[]): Promise<void>;
  counts(): Promise<ProviderCounts>;
  resetCounts(): Promise<void>;
}

export interface VariantHandle extends ChildHandle {
  readonly variant: Variant;
  stats(): Promise<StoreStats>;
  resetStats(): Promise<void>;
  /** The child's CPU time so far, microseconds (user + system). */
  cpu(): Promise<number>;
  /** Starts a CPU profile of the child (the V8 inspector's, from now on). */
  profileStart(): Promise<void>;
  /** Stops it and writes it to `file` (a .cpuprofile). */
  profileStop(file: string): Promise<void>;
  /**
   * Writes `count` more sessions holding `data` into the child's store, each with `tokens` as its
   * tokens' own entry (`oauth-tokens:<id>`) when given.
   */
  seed(
    count: number,
    data: Record<string, unknown>,
    tokens?: Record<string, unknown>,
  ): Promise<void>;
}

export async function startProvider(): Promise<ProviderHandle> {
  const child = await forkServer(new URL('./provider-server.ts', import.meta.url), []);
  return {
    ...child,
    issuer: String(child.info.issuer),
    setRedirectUris: async (uris) => {
      await child.ask('setClient', { redirectUris: uris });
    },
    counts: () => child.ask<ProviderCounts>('counts'),
    resetCounts: async () => {
      await child.ask('reset');
    },
  };
}

export interface VariantOptions {
  /** Write a V8 CPU profile into this directory when the child exits. */
  cpuProfileDir?: string;
  /** More environment for the child (the bearer variants' provider). */
  env?: Record<string, string>;
  /** The session store: MemoryStore (default) or connect-redis on this Redis URL. */
  redisUrl?: string;
  /** Providers `ours` configures (default 1). */
  providers?: number;
}

export async function startVariant(
  variant: Variant,
  provider: ProviderHandle,
  options: VariantOptions = {},
): Promise<VariantHandle> {
  const execArgv =
    options.cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir, '--cpu-prof-interval', '100'];
  const child = await forkServer(new URL('./variant-server.ts', import.meta.url), [variant], {
    execArgv,
    env: {
      BENCH_ISSUER: provider.issuer,
      BENCH_CLIENT_ID: String(provider.info.clientId),
      BENCH_CLIENT_SECRET: String(provider.info.clientSecret),
      ...(options.redisUrl === undefined
        ? {}
        : { BENCH_STORE: 'redis', BENCH_REDIS_URL: options.redisUrl }),
      ...(options.providers === undefined ? {} : { BENCH_PROVIDERS: String(options.providers) }),
      ...options.env,
    },
  });
  return {
    ...child,
    variant,
    stats: () => child.ask<StoreStats>('stats'),
    cpu: () => child.ask<number>('cpu'),
    resetStats: async () => {
      await child.ask('resetStats');
    },
    profileStart: async () => {
      await child.ask('profileStart');
    },
    profileStop: async (file) => {
      await child.ask('profileStop', { file });
    },
    seed: async (count, data, tokens) => {
      await child.ask('seed', { count, data, tokens });
    },
  };
}
