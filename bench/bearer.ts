/** requireBearer() against jose's jwtVerify alone: API protection, with no session at all. */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { startOpenIdProvider } from '../src/testing/index.js';
import { runPerRequest } from './per-request.js';
import type { VariantResult } from './per-request.js';
import { summariseProfile } from './profile.js';
import type { CpuProfile, ProfileSummary } from './profile.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';

interface BearerApps {
  /** The floor first, then requireBearer(). */
  children: VariantHandle[];
  authorization: string;
}

/**
 * The two bearer apps, checking the same access token signed by the package's scripted provider
 * (in this process; the apps fetch its keys once), stopped when `use` settles.
 */
async function withBearerApps<T>(
  benchProvider: ProviderHandle,
  use: (apps: BearerApps) => Promise<T>,
): Promise<T> {
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
    return await use({ children, authorization: `Bearer ${token}` });
  } finally {
    for (const child of children) await child.stop();
    await provider.close();
  }
}

/** requireBearer() against jose's jwtVerify alone, in rounds of their own. */
export async function runBearer(
  benchProvider: ProviderHandle,
  settings: BenchSettings,
  log: (message: string) => void,
): Promise<VariantResult[]> {
  return withBearerApps(benchProvider, ({ children, authorization }) =>
    runPerRequest(
      children.map((child) => ({
        name: child.variant,
        url: child.url,
        cookie: '',
        authorization,
        cpu: () => child.cpu(),
      })),
      { ...settings, onRun: log },
    ),
  );
}

/** Loads the app with the token; resolves to the number of 2xx responses. */
async function load(
  app: VariantHandle,
  authorization: string,
  seconds: number,
  connections: number,
): Promise<number> {
  const result = await new Promise<Result>((resolve, reject) => {
    autocannon(
      { url: `${app.url}/me`, connections, duration: seconds, headers: { authorization } },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
  });
  return result['2xx'];
}

/**
 * CPU profiles of the floor and of requireBearer(), warmed up, then profiled while both are
 * loaded at the same time: on a machine shared with other work, profiles taken one after the
 * other differ by whatever else ran meanwhile, and their µs per request cannot be compared.
 * Written to `dir` as bearer-<variant>.cpuprofile.
 */
export async function profileBearer(
  benchProvider: ProviderHandle,
  settings: BenchSettings,
  dir: string,
  log: (message: string) => void,
): Promise<ProfileSummary[]> {
  return withBearerApps(benchProvider, async ({ children, authorization }) => {
    for (const app of children) {
      await load(app, authorization, settings.warmupSeconds, settings.connections);
    }
    log(
      `profiling ${children.map((app) => app.variant).join(' and ')} at once: GET /me with a JWT access token`,
    );
    const file = (app: VariantHandle) => `${dir}bearer-${app.variant}.cpuprofile`;
    await Promise.all(children.map((app) => app.profileStart()));
    const answers = await Promise.all(
      children.map((app) => load(app, authorization, settings.seconds * 2, settings.connections)),
    );
    await Promise.all(children.map((app) => app.profileStop(file(app))));
    return Promise.all(
      children.map(async (app, index) => {
        const profile = JSON.parse(await readFile(file(app), 'utf8')) as CpuProfile;
        const summary = summariseProfile(`bearer-${app.variant}`, profile);
        // The sampled main thread's busy time per answered request, to compare the apps in µs.
        const sampled = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
        const answered = answers[index] ?? 0;
        const perRequest = (sampled * (1 - summary.idle)) / answered;
        return {
          ...summary,
          load: `GET /me with a JWT access token, both apps loaded at once: ${answered} answers, ${perRequest.toFixed(0)} µs of main-thread time each`,
        };
      }),
    );
  });
}
