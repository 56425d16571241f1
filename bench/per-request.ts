/**
 * Per-request cost: autocannon (in this process) against each variant's `GET /me` (each in its
 * own child), all variants in the same run, in rounds whose order rotates so that no variant
 * always runs first or last on a machine shared with other work.
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';

export interface Target {
  name: string;
  url: string;
  /** The signed-in Cookie header ('' for none). */
  cookie: string;
  /** An Authorization header to send (the bearer variants). */
  authorization?: string;
  /** The server process's CPU time so far, in microseconds (`process.cpuUsage()`, user + system). */
  cpu: () => Promise<number>;
}

export interface PerRequestOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** Called before each measurement, for progress output. */
  onRun?: (label: string) => void;
  /** Called once the warm-ups are over, before the measured rounds (to reset counters). */
  afterWarmUp?: () => Promise<void>;
}

interface Run {
  rps: number;
  /** Server CPU microseconds per response. */
  cpuPerRequest: number;
  latencies: Float64Array;
  non2xx: number;
  errors: number;
}

export interface VariantResult {
  name: string;
  /** Mean requests per second of each round. */
  rounds: number[];
  /** Mean over the rounds. */
  rps: number;
  /** Server CPU microseconds per response in each round. */
  cpuRounds: number[];
  /** Server CPU microseconds per response, over all rounds. */
  cpuPerRequest: number;
  /** Milliseconds, over every 2xx response of every round. */
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run; latencies are kept at full precision (autocannon's own are whole ms). The
 * server's CPU time per response is measured too: unlike throughput, it hardly moves when other
 * work on the machine takes CPU away from the benchmark.
 */
async function measure(target: Target, seconds: number, connections: number): Promise<Run> {
  const latencies: number[] = [];
  const cpuBefore = await target.cpu();
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.url}/me`,
        connections,
        duration: seconds,
        headers: {
          ...(target.cookie === '' ? {} : { cookie: target.cookie }),
          ...(target.authorization === undefined ? {} : { authorization: target.authorization }),
        },
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, status, _bytes, milliseconds) => {
      if (status >= 200 && status < 300) latencies.push(milliseconds);
    });
  });
  const cpu = (await target.cpu()) - cpuBefore;
  const responses = latencies.length + result.non2xx;
  return {
    rps: result.requests.average,
    cpuPerRequest: responses === 0 ? NaN : cpu / responses,
    latencies: Float64Array.from(latencies),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Round r runs the targets starting from target r, so every position is visited. */
function rotated<T>(items: readonly T[], offset: number): T[] {
  const start = offset % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

export async function runPerRequest(
  targets: readonly Target[],
  options: PerRequestOptions,
): Promise<VariantResult[]> {
  const runs = new Map<string, Run[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) {
    options.onRun?.(`warm-up ${target.name}`);
    await measure(target, options.warmupSeconds, options.connections);
  }
  await options.afterWarmUp?.();
  for (let round = 0; round < options.rounds; round++) {
    for (const target of rotated(targets, round)) {
      options.onRun?.(`round ${round + 1}/${options.rounds} ${target.name}`);
      runs.get(target.name)!.push(await measure(target, options.seconds, options.connections));
    }
  }
  return targets.map((target) => summarise(target.name, runs.get(target.name)!));
}

function summarise(name: string, runs: readonly Run[]): VariantResult {
  const total = runs.reduce((sum, run) => sum + run.latencies.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const run of runs) {
    all.set(run.latencies, offset);
    offset += run.latencies.length;
  }
  all.sort();
  const rounds = runs.map((run) => run.rps);
  const cpuRounds = runs.map((run) => run.cpuPerRequest);
  const cpuTotal = runs.reduce((sum, run) => sum + run.cpuPerRequest * run.latencies.length, 0);
  return {
    name,
    rounds,
    rps: rounds.reduce((sum, rps) => sum + rps, 0) / rounds.length,
    cpuRounds,
    cpuPerRequest: cpuTotal / total,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    requests: total,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  };
}

/** Per-round throughput ratios of `a` over `b` (rounds ran back to back, so they pair up). */
export function roundRatios(a: VariantResult, b: VariantResult): number[] {
  return a.rounds.map((rps, i) => rps / b.rounds[i]!);
}

/** Per-round server-CPU-per-request ratios of `a` over `b`. */
export function cpuRatios(a: VariantResult, b: VariantResult): number[] {
  return a.cpuRounds.map((cpu, i) => cpu / b.cpuRounds[i]!);
}
