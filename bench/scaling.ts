/**
 * Cost as work grows: the signed-in `GET /me` of the floor and of our middleware with 10, 1,000
 * and 100,000 signed-in sessions in the store (each as large as the measured one), on each store;
 * and our middleware with 1 and with 8 providers configured. A flat curve means the request
 * pays only for its own session and its own provider.
 */
import { runPerRequest } from './per-request.js';
import type { VariantResult } from './per-request.js';
import type { BenchRedis } from './redis.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { storedSession } from './footprint.js';
import { seedFloor, signInAll } from './setup.js';
import type { StoreKind } from './stores.js';

export interface ScalePoint {
  store: StoreKind;
  /** Signed-in sessions in the store during the measurement. */
  sessions: number;
  floor: VariantResult;
  ours: VariantResult;
}

export interface ProviderPoint {
  providers: number;
  ours: VariantResult;
  floor: VariantResult;
}

export interface ScalingResult {
  sessions: ScalePoint[];
  providers: ProviderPoint[];
}

export interface ScalingOptions {
  settings: BenchSettings;
  /** Measure the Redis store too. */
  redis?: BenchRedis;
  log: (message: string) => void;
}

async function scaleStore(
  store: StoreKind,
  provider: ProviderHandle,
  options: ScalingOptions,
): Promise<ScalePoint[]> {
  const env = options.redis === undefined ? {} : { redisUrl: options.redis.url };
  const floor = await startVariant('session', provider, env);
  const ours = await startVariant('ours', provider, env);
  try {
    const cookies = await signInAll(provider, [floor, ours]);
    const oursCookie = cookies.get(ours)!;
    const floorCookie = await seedFloor(floor, ours, oursCookie);
    // Every other session looks like this one, down to express-session's cookie record, and has
    // its tokens' own entry beside it, as ours does.
    const { data: other } = await storedSession(ours, oursCookie);
    const { data: otherTokens } = await storedSession(ours, oursCookie, 'tokens');
    const points: ScalePoint[] = [];
    let inStore = 1;
    for (const target of options.settings.sessionCounts) {
      const more = Math.max(0, target - inStore);
      options.log(`scaling ${store}: seeding ${more} more sessions (${target} in all)`);
      await floor.seed(more, other);
      await ours.seed(more, other, otherTokens);
      inStore = target;
      const [floorResult, oursResult] = await runPerRequest(
        [
          { name: 'session', url: floor.url, cookie: floorCookie, cpu: () => floor.cpu() },
          { name: 'ours', url: ours.url, cookie: oursCookie, cpu: () => ours.cpu() },
        ],
        {
          ...options.settings,
          rounds: options.settings.scaleRounds,
          onRun: (label) => options.log(`scaling ${store} ${target}: ${label}`),
        },
      );
      points.push({ store, sessions: target, floor: floorResult!, ours: oursResult! });
    }
    return points;
  } finally {
    await floor.stop();
    await ours.stop();
  }
}

/** Our middleware with 1 and with 8 providers, and the floor, in the same rounds (MemoryStore). */
async function scaleProviders(
  provider: ProviderHandle,
  options: ScalingOptions,
): Promise<ProviderPoint[]> {
  const apps: VariantHandle[] = [];
  try {
    const floor = await startVariant('session', provider);
    apps.push(floor);
    const one = await startVariant('ours', provider, { providers: 1 });
    apps.push(one);
    const eight = await startVariant('ours', provider, { providers: 8 });
    apps.push(eight);
    const cookies = await signInAll(provider, apps);
    const floorCookie = await seedFloor(floor, one, cookies.get(one)!);
    const results = await runPerRequest(
      [
        { name: 'session', url: floor.url, cookie: floorCookie, cpu: () => floor.cpu() },
        { name: 'ours-1', url: one.url, cookie: cookies.get(one)!, cpu: () => one.cpu() },
        { name: 'ours-8', url: eight.url, cookie: cookies.get(eight)!, cpu: () => eight.cpu() },
      ],
      {
        ...options.settings,
        rounds: options.settings.scaleRounds,
        onRun: (label) => options.log(`providers: ${label}`),
      },
    );
    const [floorResult, oneResult, eightResult] = results as [
      VariantResult,
      VariantResult,
      VariantResult,
    ];
    return [
      { providers: 1, ours: oneResult, floor: floorResult },
      { providers: 8, ours: eightResult, floor: floorResult },
    ];
  } finally {
    for (const app of apps) await app.stop();
  }
}

export async function runScaling(
  provider: ProviderHandle,
  options: ScalingOptions,
): Promise<ScalingResult> {
  const { redis: _redis, ...inMemory } = options;
  const sessions = await scaleStore('memory', provider, inMemory);
  if (options.redis !== undefined) sessions.push(...(await scaleStore('redis', provider, options)));
  return { sessions, providers: await scaleProviders(provider, options) };
}
