/**
 * `npm run bench`: every measurement side by side in one run on this machine, printed and
 * written to bench/results.md. See bench/README.md.
 *
 *   npm run bench                  the four measurements (about 3 minutes)
 *   npm run bench -- --quick       shorter runs, for checking the harness
 *   npm run bench -- --profile     also CPU-profile the floor and our middleware (bench/profiles/)
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { format } from 'prettier';
import { cookieFootprint, storedSession, storeFootprint } from './footprint.js';
import { runLoginThroughput } from './login-throughput.js';
import { runPerRequest } from './per-request.js';
import type { VariantResult } from './per-request.js';
import { startOpenIdProvider } from '../src/testing/index.js';
import { summariseProfiles } from './profile.js';
import type { ProfileSummary } from './profile.js';
import { renderResults } from './report.js';
import type { BenchSettings } from './report.js';
import { startProvider, startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { checkSignedIn, cookieFor, signIn } from './sign-in.js';
import type { Variant } from './variant-server.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'profile-only': { type: 'boolean', default: false },
    seconds: { type: 'string' },
    rounds: { type: 'string' },
  },
});

const settings: BenchSettings = flags.quick
  ? {
      connections: 10,
      seconds: 1,
      warmupSeconds: 1,
      rounds: 2,
      logins: 6,
      loginRounds: 1,
      concurrency: 4,
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
    };
if (flags.seconds !== undefined) settings.seconds = Number(flags.seconds);
if (flags.rounds !== undefined) settings.rounds = Number(flags.rounds);

/** The variants measured per request, in this order in round 1. */
const PER_REQUEST = ['bare', 'session', 'ours', 'eoc', 'passport', 'passport-tokens'] as const;

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/**
 * requireBearer() against jose's jwtVerify alone, with the same access token signed by the
 * package's scripted provider (in this process; the apps fetch its keys once).
 */
async function runBearer(
  benchProvider: ProviderHandle,
  settings: BenchSettings,
): Promise<VariantResult[]> {
  const provider = await startOpenIdProvider();
  const children: VariantHandle[] = [];
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = await provider.sign(
      {
        iss: provider.issuer,
        sub: 'alice',
        aud: 'https://api.bench.example',
        client_id: 'bench-client',
        scope: 'orders:read',
        iat: now,
        exp: now + 3600,
        jti: 'bench',
      },
      { header: { typ: 'at+jwt' } },
    );
    const env = {
      BENCH_BEARER_ISSUER: provider.issuer,
      BENCH_BEARER_CLIENT_ID: provider.clientId,
      BENCH_BEARER_CLIENT_SECRET: provider.clientSecret,
    };
    for (const name of ['jose-floor', 'bearer'] as const) {
      children.push(await startVariant(name, benchProvider, { env }));
    }
    return await runPerRequest(
      children.map((child) => ({
        name: child.variant,
        url: child.url,
        cookie: '',
        authorization: `Bearer ${token}`,
        cpu: () => child.cpu(),
      })),
      { ...settings, onRun: log },
    );
  } finally {
    for (const child of children) await child.stop();
    await provider.close();
  }
}

/** Seeds the floor with the session our middleware stored, so both parse the same bytes. */
async function seedFloor(
  floor: VariantHandle,
  ours: VariantHandle,
  oursCookie: string,
): Promise<string> {
  const { data } = await storedSession(ours, oursCookie);
  const { cookie: _cookie, ...content } = data;
  const response = await fetch(new URL('/__bench/seed', floor.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(content),
  });
  await response.arrayBuffer();
  const [setCookie] = response.headers.getSetCookie();
  if (response.status !== 200 || setCookie === undefined)
    throw new Error('could not seed the floor');
  return setCookie.split(';')[0]!;
}

async function signInAll(
  provider: ProviderHandle,
  apps: readonly VariantHandle[],
): Promise<Map<Variant, string>> {
  await provider.setRedirectUris(apps.map((app) => `${app.url}/callback`));
  const cookies = new Map<Variant, string>();
  for (const app of apps) {
    if (app.variant === 'bare' || app.variant === 'session') continue;
    cookies.set(app.variant, cookieFor(app, await signIn(app)));
  }
  return cookies;
}

/** CPU profiles of the floor and of our middleware under the same load, one after the other. */
async function profile(provider: ProviderHandle): Promise<ProfileSummary[]> {
  const dir = fileURLToPath(new URL('./profiles/', import.meta.url));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}.gitignore`, '*\n');
  const floor = await startVariant('session', provider, { cpuProfileDir: `${dir}session` });
  const ours = await startVariant('ours', provider, { cpuProfileDir: `${dir}ours` });
  const cookies = await signInAll(provider, [floor, ours]);
  const oursCookie = cookies.get('ours')!;
  const targets = [
    { app: floor, cookie: await seedFloor(floor, ours, oursCookie) },
    { app: ours, cookie: oursCookie },
  ];
  for (const { app, cookie } of [...targets, ...targets]) {
    log(`profiling ${app.variant}`);
    await new Promise((resolve, reject) => {
      autocannon(
        {
          url: `${app.url}/me`,
          connections: settings.connections,
          duration: settings.seconds,
          headers: { cookie },
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  }
  await floor.stop();
  await ours.stop();
  const summaries = [
    ...(await summariseProfiles(`${dir}session`)).map((p) => ({ ...p, file: `session/${p.file}` })),
    ...(await summariseProfiles(`${dir}ours`)).map((p) => ({ ...p, file: `ours/${p.file}` })),
  ];
  return summaries;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const begin = performance.now();
  log('starting the provider and the variants');
  const provider = await startProvider();
  const started: VariantHandle[] = [];
  try {
    if (flags['profile-only']) {
      const profiles = await profile(provider);
      console.log(profiles.map((p) => JSON.stringify(p, null, 2)).join('\n'));
      return;
    }
    const names: Variant[] = [
      'bare',
      'session',
      'ours',
      'ours-userinfo',
      'eoc',
      'passport',
      'passport-tokens',
    ];
    for (const name of names) started.push(await startVariant(name, provider));
    const app = (name: Variant): VariantHandle => started.find((a) => a.variant === name)!;
    log('signing in through each library');
    const cookies = await signInAll(provider, started);
    cookies.set('session', await seedFloor(app('session'), app('ours'), cookies.get('ours')!));
    cookies.set('bare', '');
    for (const name of PER_REQUEST) {
      await checkSignedIn(app(name), cookies.get(name)!);
    }

    log('session footprint');
    const footprint = [
      await storeFootprint('ours', app('ours'), cookies.get('ours')!),
      await storeFootprint('passport', app('passport'), cookies.get('passport')!),
      await storeFootprint(
        'passport-tokens',
        app('passport-tokens'),
        cookies.get('passport-tokens')!,
      ),
      await cookieFootprint('eoc', app('eoc'), cookies.get('eoc')!, 'appSession'),
    ];

    log('per-request cost');
    for (const name of PER_REQUEST) await app(name).resetStats();
    const perRequest = await runPerRequest(
      PER_REQUEST.map((name) => ({
        name,
        url: app(name).url,
        cookie: cookies.get(name)!,
        cpu: () => app(name).cpu(),
      })),
      { ...settings, onRun: log },
    );
    const storeWrites: Record<string, number> = {};
    for (const name of ['session', 'ours', 'passport', 'passport-tokens'] as const) {
      storeWrites[name] = (await app(name).stats()).writes;
    }

    log('API protection: requireBearer() and jwtVerify alone');
    const bearer = await runBearer(provider, settings);

    log('login throughput');
    const logins = await runLoginThroughput(
      provider,
      [app('ours'), app('ours-userinfo'), app('eoc'), app('passport')],
      {
        rounds: settings.loginRounds,
        logins: settings.logins,
        concurrency: settings.concurrency,
        onRun: log,
      },
    );
    for (const child of started.splice(0)) await child.stop();

    const profiles = flags.profile ? await profile(provider) : undefined;
    // Aligned by Prettier so the tables read as well in a terminal as rendered.
    const raw = renderResults({
      settings,
      startedAt,
      loadBefore,
      elapsedSeconds: (performance.now() - begin) / 1000,
      perRequest,
      storeWrites,
      logins,
      footprint,
      bearer,
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
    for (const child of started) await child.stop();
    await provider.stop();
  }
}

await main();
