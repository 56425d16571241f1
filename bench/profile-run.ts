/**
 * `--profile`: CPU profiles of the floor and of our middleware under the same signed-in
 * `GET /me` load, and of our middleware and Passport while they sign users in (SSO logins, so the
 * provider's forms are skipped and the relying party's own work is most of what the profile
 * holds). Each profile covers only the load (the V8 inspector's profiler, started in the child
 * once it is warm: the same `.cpuprofile` format `node --cpu-prof` writes, without start-up and
 * module loading). Written to bench/profiles/ (git-ignored) and summarised by bench/profile.ts.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CookieJar } from '../test/helpers/oidc-provider.js';
import { profileBearer } from './bearer.js';
import { summariseProfile } from './profile.js';
import type { CpuProfile, ProfileSummary } from './profile.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { seedFloor, signInAll } from './setup.js';
import { signIn } from './sign-in.js';
import type { Variant } from './variant-server.js';

/** Logins per profiled login run: enough samples for the relying party's share to show. */
const PROFILED_LOGINS = 200;

async function load(app: VariantHandle, cookie: string, seconds: number, connections: number) {
  await new Promise((resolve, reject) => {
    autocannon(
      { url: `${app.url}/me`, connections, duration: seconds, headers: { cookie } },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function summary(file: string, name: string, what: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  return { ...summariseProfile(name, profile), load: what };
}

export async function runProfiles(
  provider: ProviderHandle,
  settings: BenchSettings,
  log: (message: string) => void,
  redisUrl?: string,
  only?: 'bearer',
): Promise<ProfileSummary[]> {
  const dir = fileURLToPath(new URL('./profiles/', import.meta.url));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}.gitignore`, '*\n');
  // API protection: requireBearer() and jose's jwtVerify alone under the same token load.
  const summaries: ProfileSummary[] = await profileBearer(provider, settings, dir, log);
  if (only === 'bearer') return summaries;

  // The signed-in path: the floor and ours, warmed up, then profiled under the same load.
  const floor = await startVariant('session', provider);
  const ours = await startVariant('ours', provider);
  try {
    const cookies = await signInAll(provider, [floor, ours]);
    const targets = [
      { app: floor, cookie: await seedFloor(floor, ours, cookies.get(ours)!) },
      { app: ours, cookie: cookies.get(ours)! },
    ];
    for (const { app, cookie } of targets) {
      await load(app, cookie, settings.warmupSeconds, settings.connections);
    }
    for (const { app, cookie } of targets) {
      log(`profiling ${app.variant}: signed-in GET /me`);
      const file = `${dir}signed-in-${app.variant}.cpuprofile`;
      await app.profileStart();
      await load(app, cookie, settings.seconds * 2, settings.connections);
      await app.profileStop(file);
      summaries.push(await summary(file, `signed-in-${app.variant}`, 'signed-in GET /me'));
    }
  } finally {
    await floor.stop();
    await ours.stop();
  }

  // A login: ours and Passport, SSO logins 4 at once, after a few to warm up; with the
  // MemoryStore, and with Redis when there is one (its client's work is then part of a login).
  const stores: (string | undefined)[] =
    redisUrl === undefined ? [undefined] : [undefined, redisUrl];
  const loginVariants: Variant[] = ['ours', 'passport'];
  for (const store of stores)
    for (const variant of loginVariants) {
      const name = store === undefined ? `login-${variant}` : `login-${variant}-redis`;
      const app = await startVariant(
        variant,
        provider,
        store === undefined ? {} : { redisUrl: store },
      );
      try {
        await signInAll(provider, [app]);
        const jar = new CookieJar();
        for (let i = 0; i < 10; i++) await signIn(app, { providerJar: jar });
        log(`profiling ${name}: ${PROFILED_LOGINS} logins`);
        const file = `${dir}${name}.cpuprofile`;
        await app.profileStart();
        let started = 0;
        const worker = async (): Promise<void> => {
          while (started < PROFILED_LOGINS) {
            started += 1;
            await signIn(app, { providerJar: jar });
          }
        };
        await Promise.all(Array.from({ length: settings.concurrency }, worker));
        await app.profileStop(file);
        summaries.push(
          await summary(
            file,
            name,
            `${PROFILED_LOGINS} SSO logins${store === undefined ? '' : ', connect-redis'}`,
          ),
        );
      } finally {
        await app.stop();
      }
    }
  return summaries;
}
