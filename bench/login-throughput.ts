/**
 * Login throughput: complete logins per second (GET /login, the provider, the callback with its
 * token request and ID token validation, the new session saved), and the provider requests each
 * login costs once warm. oidc-provider's own work dominates these numbers.
 */
import { CookieJar } from '../test/helpers/oidc-provider.js';
import type { ProviderHandle, VariantHandle } from './servers.js';
import { signIn } from './sign-in.js';

export type LoginMode = 'sequential' | 'concurrent' | 'sso';

export interface LoginOptions {
  rounds: number;
  /** Logins per batch. */
  logins: number;
  concurrency: number;
  /** The modes to run (default: all three). */
  modes?: readonly LoginMode[];
  onRun?: (label: string) => void;
}

export interface LoginResult {
  variant: string;
  mode: LoginMode;
  concurrency: number;
  /** Mean over the rounds. */
  loginsPerSecond: number;
  rounds: number[];
  /** The relying party's server CPU per login, microseconds (its process only, not the provider's). */
  cpuPerLogin: number;
  /** Provider requests per login, after warm-up. */
  perLogin: {
    total: number;
    token: number;
    userinfo: number;
    discovery: number;
    jwks: number;
  };
}

interface Batch {
  seconds: number;
  /** The app's CPU time over the batch, microseconds. */
  cpu: number;
  counts: Awaited<ReturnType<ProviderHandle['counts']>>;
}

async function batch(
  provider: ProviderHandle,
  app: VariantHandle,
  logins: number,
  concurrency: number,
  providerJar: CookieJar | undefined,
): Promise<Batch> {
  await provider.resetCounts();
  let started = 0;
  const cpuBefore = await app.cpu();
  const begin = performance.now();
  const worker = async (): Promise<void> => {
    while (started < logins) {
      started += 1;
      await signIn(app, providerJar === undefined ? {} : { providerJar });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - begin) / 1000;
  const cpu = (await app.cpu()) - cpuBefore;
  return { seconds, cpu, counts: await provider.counts() };
}

const MODES: readonly LoginMode[] = ['sequential', 'concurrent', 'sso'];

export async function runLoginThroughput(
  provider: ProviderHandle,
  apps: readonly VariantHandle[],
  options: LoginOptions,
): Promise<LoginResult[]> {
  // Warm-up: the first login discovers the provider and fetches its JWKS; the SSO jar then
  // holds a provider session with consent given, so later SSO logins skip the forms.
  const ssoJars = new Map<string, CookieJar>();
  for (const app of apps) {
    options.onRun?.(`warm-up ${app.variant}`);
    const jar = new CookieJar();
    for (let i = 0; i < 3; i++) await signIn(app, { providerJar: jar });
    ssoJars.set(app.variant, jar);
  }
  const modes = options.modes ?? MODES;
  const batches = new Map<string, Batch[]>();
  for (const mode of modes) {
    const concurrency = mode === 'sequential' ? 1 : options.concurrency;
    for (let round = 0; round < options.rounds; round++) {
      const order = [...apps.slice(round % apps.length), ...apps.slice(0, round % apps.length)];
      for (const app of order) {
        options.onRun?.(`${mode} round ${round + 1}/${options.rounds} ${app.variant}`);
        const jar = mode === 'sso' ? ssoJars.get(app.variant) : undefined;
        const result = await batch(provider, app, options.logins, concurrency, jar);
        const key = `${app.variant} ${mode}`;
        batches.set(key, [...(batches.get(key) ?? []), result]);
      }
    }
  }
  return apps.flatMap((app) =>
    modes.map((mode) => {
      const runs = batches.get(`${app.variant} ${mode}`)!;
      const logins = runs.length * options.logins;
      const sum = (pick: (b: Batch) => number): number =>
        runs.reduce((total, run) => total + pick(run), 0) / logins;
      const rounds = runs.map((run) => options.logins / run.seconds);
      return {
        variant: app.variant,
        mode,
        concurrency: mode === 'sequential' ? 1 : options.concurrency,
        rounds,
        loginsPerSecond: rounds.reduce((a, b) => a + b, 0) / rounds.length,
        cpuPerLogin: sum((b) => b.cpu),
        perLogin: {
          total: sum((b) => b.counts.total),
          token: sum((b) => b.counts.token),
          userinfo: sum((b) => b.counts.userinfo),
          discovery: sum((b) => b.counts.discovery),
          jwks: sum((b) => b.counts.jwks),
        },
      };
    }),
  );
}
