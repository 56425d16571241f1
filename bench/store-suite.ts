/**
 * One store's suite: every variant started on that store (MemoryStore, or connect-redis on the
 * bench's redis-server), signed in through its own routes, then the per-request rounds with every
 * store call counted, and the login throughput. Run once per store, so the tables of the two
 * stores come from the same harness.
 */
import { runLoginThroughput } from './login-throughput.js';
import type { LoginMode, LoginResult } from './login-throughput.js';
import { runPerRequest } from './per-request.js';
import type { VariantResult } from './per-request.js';
import { commandDelta } from './redis.js';
import type { BenchRedis } from './redis.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { appOf, seedFloor, signInAll } from './setup.js';
import { checkSignedIn } from './sign-in.js';
import type { StoreKind, StoreStats } from './stores.js';
import type { Variant } from './variant-server.js';

export interface StoreSuiteResult {
  store: StoreKind;
  perRequest: VariantResult[];
  /** Store calls during the measured per-request rounds (warm-ups left out), per variant. */
  storeStats: Partial<Record<Variant, StoreStats>>;
  /** With Redis: the server's own command counts over the measured rounds, all variants. */
  redisCommands?: Record<string, number>;
  logins: LoginResult[];
}

/** The variants measured per request, in this order in round 1. */
const PER_REQUEST: Record<StoreKind, readonly Variant[]> = {
  memory: ['bare', 'session', 'session-layers', 'ours', 'eoc', 'passport', 'passport-tokens'],
  // bare has no store; express-openid-connect keeps its session in Redis too (its `session.store`).
  redis: ['session', 'ours', 'eoc', 'passport', 'passport-tokens'],
};

const LOGINS: Record<StoreKind, readonly Variant[]> = {
  memory: ['ours', 'ours-userinfo', 'eoc', 'passport'],
  redis: ['ours', 'eoc', 'passport'],
};

/** Variants that keep sessions in the store (express-openid-connect only with Redis). */
function usesStore(store: StoreKind, variant: Variant): boolean {
  if (variant === 'bare') return false;
  return variant !== 'eoc' || store === 'redis';
}

export interface StoreSuiteOptions {
  settings: BenchSettings;
  redis?: BenchRedis;
  loginModes?: readonly LoginMode[];
  log: (message: string) => void;
  /** Called with the apps once they are signed in (the footprint is read from them). */
  withApps?: (apps: readonly VariantHandle[], cookies: Map<VariantHandle, string>) => Promise<void>;
}

export async function runStoreSuite(
  store: StoreKind,
  provider: ProviderHandle,
  options: StoreSuiteOptions,
): Promise<StoreSuiteResult> {
  const { settings, redis, log } = options;
  const names = [...new Set([...PER_REQUEST[store], ...LOGINS[store]])];
  const apps: VariantHandle[] = [];
  try {
    for (const name of names) {
      apps.push(
        await startVariant(name, provider, redis === undefined ? {} : { redisUrl: redis.url }),
      );
    }
    log(`${store}: signing in through each library`);
    const cookies = await signInAll(provider, apps);
    const ours = appOf(apps, 'ours');
    for (const floor of ['session', 'session-layers'] as const) {
      if (!names.includes(floor)) continue;
      cookies.set(
        appOf(apps, floor),
        await seedFloor(appOf(apps, floor), ours, cookies.get(ours)!),
      );
    }
    if (names.includes('bare')) cookies.set(appOf(apps, 'bare'), '');
    const measured = PER_REQUEST[store].map((name) => appOf(apps, name));
    for (const app of measured) await checkSignedIn(app, cookies.get(app)!);
    await options.withApps?.(apps, cookies);

    log(`${store}: per-request cost`);
    let commandsBefore: Record<string, number> = {};
    const perRequest = await runPerRequest(
      measured.map((app) => ({
        name: app.variant,
        url: app.url,
        cookie: cookies.get(app)!,
        cpu: () => app.cpu(),
      })),
      {
        ...settings,
        onRun: (label) => log(`${store}: ${label}`),
        afterWarmUp: async () => {
          for (const app of measured) await app.resetStats();
          if (redis !== undefined) commandsBefore = await redis.commandCounts();
        },
      },
    );
    const redisCommands =
      redis === undefined ? undefined : commandDelta(commandsBefore, await redis.commandCounts());
    const storeStats: Partial<Record<Variant, StoreStats>> = {};
    for (const app of measured) {
      if (usesStore(store, app.variant)) storeStats[app.variant] = await app.stats();
    }

    log(`${store}: login throughput`);
    const logins = await runLoginThroughput(
      provider,
      LOGINS[store].map((name) => appOf(apps, name)),
      {
        rounds: settings.loginRounds,
        logins: settings.logins,
        concurrency: settings.concurrency,
        ...(options.loginModes === undefined ? {} : { modes: options.loginModes }),
        onRun: (label) => log(`${store}: ${label}`),
      },
    );
    return {
      store,
      perRequest,
      storeStats,
      ...(redisCommands === undefined ? {} : { redisCommands }),
      logins,
    };
  } finally {
    for (const app of apps) await app.stop();
  }
}
