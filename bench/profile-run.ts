/**
 * `--profile`: CPU profiles (`node --cpu-prof`) of the floor and of our middleware under the same
 * signed-in `GET /me` load, and of our middleware and Passport while they sign users in (SSO
 * logins, so the provider's forms are skipped and the relying party's own work is most of what
 * the profile holds). Written to bench/profiles/<name>/ (git-ignored) and summarised by
 * bench/profile.ts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CookieJar } from '../test/helpers/oidc-provider.js';
import { summariseProfiles } from './profile.js';
import type { ProfileSummary } from './profile.js';
import type { BenchSettings } from './report.js';
import { startVariant } from './servers.js';
import type { ProviderHandle } from './servers.js';
import { seedFloor, signInAll } from './setup.js';
import { signIn } from './sign-in.js';
import type { Variant } from './variant-server.js';

/** Logins per profiled login run: enough samples for the relying party's share to show. */
const PROFILED_LOGINS = 60;

async function summaries(dir: string, name: string, load: string): Promise<ProfileSummary[]> {
  return (await summariseProfiles(`${dir}${name}`)).map((p) => ({
    ...p,
    file: `${name}/${p.file}`,
    load,
  }));
}

export async function runProfiles(
  provider: ProviderHandle,
  settings: BenchSettings,
  log: (message: string) => void,
): Promise<ProfileSummary[]> {
  const dir = fileURLToPath(new URL('./profiles/', import.meta.url));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}.gitignore`, '*\n');

  // The signed-in path: the floor and ours, under the same load, twice each, interleaved.
  const floor = await startVariant('session', provider, { cpuProfileDir: `${dir}session` });
  const ours = await startVariant('ours', provider, { cpuProfileDir: `${dir}ours` });
  const cookies = await signInAll(provider, [floor, ours]);
  const targets = [
    { app: floor, cookie: await seedFloor(floor, ours, cookies.get(ours)!) },
    { app: ours, cookie: cookies.get(ours)! },
  ];
  for (const { app, cookie } of [...targets, ...targets]) {
    log(`profiling ${app.variant}: signed-in GET /me`);
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

  // A login: ours and Passport, SSO logins 4 at once.
  const loginVariants: Variant[] = ['ours', 'passport'];
  for (const variant of loginVariants) {
    const app = await startVariant(variant, provider, { cpuProfileDir: `${dir}login-${variant}` });
    try {
      await signInAll(provider, [app]);
      const jar = new CookieJar();
      await signIn(app, { providerJar: jar });
      log(`profiling ${variant}: ${PROFILED_LOGINS} logins`);
      let started = 0;
      const worker = async (): Promise<void> => {
        while (started < PROFILED_LOGINS) {
          started += 1;
          await signIn(app, { providerJar: jar });
        }
      };
      await Promise.all(Array.from({ length: settings.concurrency }, worker));
    } finally {
      await app.stop();
    }
  }

  return [
    ...(await summaries(dir, 'session', 'signed-in GET /me')),
    ...(await summaries(dir, 'ours', 'signed-in GET /me')),
    ...(await summaries(dir, 'login-ours', 'SSO logins')),
    ...(await summaries(dir, 'login-passport', 'SSO logins')),
  ];
}
