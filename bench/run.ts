/**
 * `npm run bench`: every measurement side by side in one run on this machine, printed and
 * written to bench/results.md. See bench/README.md.
 *
 *   npm run bench                  everything, MemoryStore and Redis (about 10 minutes)
 *   npm run bench -- --quick       short runs, for checking the harness (or BENCH_QUICK=1);
 *                                  bench/results.md is left alone
 *   npm run bench -- --profile     also CPU-profile the signed-in path and a login (bench/profiles/)
 *   npm run bench -- --profile-only   only the profiles, summarised on stdout
 *   npm run bench -- --only bearer    only table 6 (requireBearer() against jwtVerify alone),
 *                                  printed; with --profile-only, only the bearer profiles
 *
 * BENCH_SECONDS, BENCH_ROUNDS (or --seconds, --rounds) set the length and number of the
 * per-request rounds; BENCH_SESSIONS (e.g. "10,1000,100000") the points of the scaling curve.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { runBearer } from './bearer.js';
import { cookieFootprint, storeFootprint } from './footprint.js';
import type { FootprintRow } from './footprint.js';
import { runProfiles } from './profile-run.js';
import type { ProfileSummary } from './profile.js';
import { startBenchRedis } from './redis.js';
import { bearerSection, renderResults } from './report.js';
import type { BenchSettings } from './report.js';
import { runScaling } from './scaling.js';
import { startProvider } from './servers.js';
import { appOf } from './setup.js';
import { runStoreSuite } from './store-suite.js';
import type { StoreSuiteResult } from './store-suite.js';
import { REDIS_MISSING } from '../test/helpers/redis.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    profile: { type: 'boolean', default: false },
    'profile-only': { type: 'boolean', default: false },
    seconds: { type: 'string', default: process.env.BENCH_SECONDS },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS },
    only: { type: 'string' },
  },
});
if (flags.only !== undefined && flags.only !== 'bearer') {
  throw new Error(`--only ${flags.only}: the only scenario that can run alone is "bearer"`);
}
const only = flags.only;

const settings: BenchSettings = flags.quick
  ? {
      connections: 10,
      seconds: 1,
      warmupSeconds: 1,
      rounds: 2,
      logins: 6,
      loginRounds: 1,
      concurrency: 4,
      scaleRounds: 1,
      sessionCounts: [10, 1_000, 10_000],
    }
  : {
      connections: 10,
      // Short slices, many rounds: on a shared machine the load drifts within seconds, and
      // pairing each variant with the floor measured moments before or after cancels most of it.
      seconds: 3,
      warmupSeconds: 2,
      rounds: 5,
      logins: 12,
      loginRounds: 2,
      concurrency: 4,
      scaleRounds: 3,
      sessionCounts: [10, 1_000, 100_000],
    };
if (flags.seconds !== undefined) settings.seconds = Number(flags.seconds);
if (flags.rounds !== undefined) settings.rounds = Number(flags.rounds);
if (process.env.BENCH_SESSIONS !== undefined) {
  settings.sessionCounts = process.env.BENCH_SESSIONS.split(',').map(Number);
}

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const begin = performance.now();
  log('starting the provider');
  const provider = await startProvider();
  const redis = only === 'bearer' ? undefined : await startBenchRedis();
  try {
    if (flags['profile-only']) {
      const profiles = await runProfiles(provider, settings, log, redis?.url, only);
      console.log(profiles.map((p) => JSON.stringify(p, null, 2)).join('\n'));
      return;
    }
    if (only === 'bearer') {
      // Printed, never written: bench/results.md holds whole runs only.
      process.stdout.write(`${bearerSection(await runBearer(provider, settings, log))}\n`);
      return;
    }
    let footprint: FootprintRow[] = [];
    const memory = await runStoreSuite('memory', provider, {
      settings,
      log,
      withApps: async (apps, cookies) => {
        log('session footprint');
        const row = (variant: 'ours' | 'passport' | 'passport-tokens') =>
          storeFootprint(variant, appOf(apps, variant), cookies.get(appOf(apps, variant))!);
        footprint = [
          await row('ours'),
          await row('passport'),
          await row('passport-tokens'),
          await cookieFootprint(
            'eoc',
            appOf(apps, 'eoc'),
            cookies.get(appOf(apps, 'eoc'))!,
            'appSession',
          ),
        ];
      },
    });

    let redisSuite: StoreSuiteResult | undefined;
    if (redis === undefined) {
      log(`${REDIS_MISSING}; the Redis tables are left out`);
    } else {
      redisSuite = await runStoreSuite('redis', provider, {
        settings,
        redis,
        // The provider's forms cost the same whatever the store: SSO logins show the store's share.
        loginModes: ['concurrent', 'sso'],
        log,
      });
    }

    log('API protection: requireBearer() and jwtVerify alone');
    const bearer = await runBearer(provider, settings, log);

    log('scaling: sessions in the store, providers configured');
    const scaling = await runScaling(provider, {
      settings,
      ...(redis === undefined ? {} : { redis }),
      log,
    });

    const profiles: ProfileSummary[] | undefined = flags.profile
      ? await runProfiles(provider, settings, log, redis?.url)
      : undefined;
    // Aligned by Prettier so the tables read as well in a terminal as rendered.
    const raw = renderResults({
      settings,
      startedAt,
      loadBefore,
      elapsedSeconds: (performance.now() - begin) / 1000,
      memory,
      ...(redisSuite === undefined ? {} : { redis: redisSuite }),
      footprint,
      bearer,
      scaling,
      ...(profiles === undefined ? {} : { profiles }),
    });
    const markdown = await format(raw, {
      parser: 'markdown',
      printWidth: 100,
      proseWrap: 'preserve',
    });
    process.stdout.write(markdown);
    if (!flags.quick) await writeFile(new URL('./results.md', import.meta.url), markdown);
    log(flags.quick ? 'quick run: bench/results.md left as it was' : 'written to bench/results.md');
  } finally {
    await redis?.stop();
    await provider.stop();
  }
}

await main();
