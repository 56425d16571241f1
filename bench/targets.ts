/**
 * Issue 15's targets, each computed from one run and marked met or not met, with the min..max of
 * the per-round ratios (each round pairs two variants measured seconds apart).
 */
import type { LoginResult } from './login-throughput.js';
import { cpuRatios, roundRatios } from './per-request.js';
import type { VariantResult } from './per-request.js';
import { byName, range, ratio, verdict } from './report-format.js';
import type { ScalePoint, ScalingResult } from './scaling.js';
import type { StoreSuiteResult } from './store-suite.js';
import type { StoreStats } from './stores.js';

/** One row of the targets table. */
export type TargetRow = [target: string, store: string, measured: string, met: string];

/** Per-request store calls and bytes, over the responses of the measured rounds. */
export interface PerRequestStore {
  reads: number;
  writes: number;
  touches: number;
  bytesRead: number;
}

export function perRequestStore(stats: StoreStats): PerRequestStore {
  const responses = stats.requests || 1;
  return {
    reads: stats.reads / responses,
    writes: stats.writes / responses,
    touches: stats.touches / responses,
    bytesRead: stats.bytesRead / responses,
  };
}

/** A flat curve: the largest point costs at most this much more CPU per request than the smallest. */
export const FLAT = 1.1;

/**
 * Not a target: what the floor itself costs through the two Express layers any sign-in library
 * adds (a middleware and a guard that do nothing else), and how far ours is from that. When ours
 * matches it, what separates us from the floor is those layers, not our work in them.
 */
function layersRows(
  suite: StoreSuiteResult,
  ours: VariantResult,
  floor: VariantResult,
  store: string,
): TargetRow[] {
  const layers = suite.perRequest.find((result) => result.name === 'session-layers');
  if (layers === undefined) return [];
  return [
    [
      '(context) the floor through an empty middleware and guard ÷ the floor, req/s; CPU floor ÷ it',
      store,
      `${ratio(layers.rps / floor.rps)} (rounds ${range(roundRatios(layers, floor))}); CPU ${ratio(floor.cpuPerRequest / layers.cpuPerRequest)}`,
      'the limit any middleware and guard meet',
    ],
    [
      '(context) ours ÷ the floor through an empty middleware and guard, req/s; CPU it ÷ ours',
      store,
      `${ratio(ours.rps / layers.rps)} (rounds ${range(roundRatios(ours, layers))}); CPU ${ratio(layers.cpuPerRequest / ours.cpuPerRequest)}`,
      'our own work in those layers',
    ],
  ];
}

function requestTargets(suite: StoreSuiteResult): TargetRow[] {
  const store = suite.store === 'memory' ? 'MemoryStore' : 'Redis';
  const ours = byName(suite.perRequest, 'ours');
  const floor = byName(suite.perRequest, 'session');
  const passport = byName(suite.perRequest, 'passport');
  const rps = roundRatios(ours, floor);
  // CPU "≥ 0.97 of the floor" as efficiency: the floor's CPU per request over ours.
  const cpu = cpuRatios(floor, ours);
  const rows: TargetRow[] = [
    ...layersRows(suite, ours, floor, store),
    [
      '1. signed-in req/s ≥ 0.97 × floor',
      store,
      `${ratio(ours.rps / floor.rps)}; rounds ${range(rps)}`,
      verdict(ours.rps / floor.rps, 0.97, rps),
    ],
    [
      '1. server CPU per request: floor ÷ ours ≥ 0.97',
      store,
      `${ratio(floor.cpuPerRequest / ours.cpuPerRequest)}; rounds ${range(cpu)}`,
      verdict(floor.cpuPerRequest / ours.cpuPerRequest, 0.97, cpu),
    ],
    [
      '1. p99 ≤ 1.05 × floor',
      store,
      `${ratio(ours.p99 / floor.p99)} (${ours.p99.toFixed(2)} ms vs ${floor.p99.toFixed(2)} ms)`,
      verdict(ours.p99 / floor.p99, 1.05, [], 'atMost'),
    ],
    [
      '1. req/s ahead of Passport (claims only)',
      store,
      `${ratio(ours.rps / passport.rps)}; rounds ${range(roundRatios(ours, passport))}`,
      verdict(ours.rps / passport.rps, 1, roundRatios(ours, passport)),
    ],
  ];
  const oursStore = suite.storeStats.ours;
  const passportStore = suite.storeStats.passport;
  if (oursStore !== undefined && passportStore !== undefined) {
    const a = perRequestStore(oursStore);
    const b = perRequestStore(passportStore);
    rows.push([
      "3. bytes read from the store per signed-in request ≤ 2 × Passport's",
      store,
      `${a.bytesRead.toFixed(0)} B vs ${b.bytesRead.toFixed(0)} B: ${ratio(a.bytesRead / b.bytesRead)}×`,
      verdict(a.bytesRead / b.bytesRead, 2, [], 'atMost'),
    ]);
    if (suite.store === 'redis') {
      rows.push([
        '4. one store read and no write per signed-in read-only request',
        store,
        `${a.reads.toFixed(3)} reads (GET), ${a.writes.toFixed(3)} writes (SET) per request; and ${a.touches.toFixed(3)} touches (EXPIRE), express-session's own, as the floor's ${perRequestStore(suite.storeStats.session ?? oursStore).touches.toFixed(3)}`,
        oursStore.reads === oursStore.requests && oursStore.writes === 0 ? 'met' : 'not met',
      ]);
    }
  }
  return rows;
}

function loginTargets(store: string, logins: readonly LoginResult[]): TargetRow[] {
  return logins
    .filter((r) => r.variant === 'ours')
    .flatMap((ours) => {
      const passport = logins.find((r) => r.variant === 'passport' && r.mode === ours.mode);
      if (passport === undefined) return [];
      const rounds = ours.rounds.map((n, i) => n / passport.rounds[i]!);
      const value = ours.loginsPerSecond / passport.loginsPerSecond;
      return [
        [
          `2. logins/s ≥ Passport's (${ours.mode})`,
          store,
          `${ours.loginsPerSecond.toFixed(1)} vs ${passport.loginsPerSecond.toFixed(1)}: ${ratio(value)}; rounds ${range(rounds)}; app CPU per login ${ours.cpuPerLogin.toFixed(0)} vs ${passport.cpuPerLogin.toFixed(0)} µs`,
          verdict(value, 1, rounds),
        ] satisfies TargetRow,
      ];
    });
}

function scalingTargets(scaling: ScalingResult): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const store of ['memory', 'redis'] as const) {
    const points = scaling.sessions.filter((p) => p.store === store);
    if (points.length < 2) continue;
    const first = points[0]!;
    const last = points[points.length - 1]!;
    // Our CPU per request over the floor's, measured in the same rounds, so that the machine's
    // drift between points (and the store's own growth, the floor's too) cancels out.
    const overFloor = (p: ScalePoint): number => p.ours.cpuPerRequest / p.floor.cpuPerRequest;
    const growth = overFloor(last) / overFloor(first);
    rows.push([
      `5. flat with sessions: (CPU/req ÷ floor's) at ${last.sessions} ÷ at ${first.sessions} ≤ ${FLAT}`,
      store === 'memory' ? 'MemoryStore' : 'Redis',
      `${ratio(growth)} (${ratio(overFloor(first))} → ${ratio(overFloor(last))}; raw CPU/req ${last.ours.cpuPerRequest.toFixed(0)} vs ${first.ours.cpuPerRequest.toFixed(0)} µs, floor ${last.floor.cpuPerRequest.toFixed(0)} vs ${first.floor.cpuPerRequest.toFixed(0)} µs)`,
      verdict(growth, FLAT, [], 'atMost'),
    ]);
  }
  const [one, eight] = scaling.providers;
  if (one !== undefined && eight !== undefined) {
    // Both measured in the same rounds: compared directly.
    const growth = eight.ours.cpuPerRequest / one.ours.cpuPerRequest;
    const rounds = cpuRatios(eight.ours, one.ours);
    rows.push([
      `5. flat with providers: CPU/req with 8 ÷ with 1 ≤ ${FLAT}`,
      'MemoryStore',
      `${ratio(growth)}; rounds ${range(rounds)}`,
      verdict(growth, FLAT, rounds, 'atMost'),
    ]);
  }
  return rows;
}

export function targetRows(
  suites: readonly StoreSuiteResult[],
  scaling: ScalingResult,
): TargetRow[] {
  const rows = [
    ...suites.flatMap(requestTargets),
    ...suites.flatMap((suite) =>
      loginTargets(suite.store === 'memory' ? 'MemoryStore' : 'Redis', suite.logins),
    ),
    ...scalingTargets(scaling),
  ];
  // In the order (the target's number), each target's stores together.
  return rows.sort((a, b) => a[0].charCodeAt(0) - b[0].charCodeAt(0));
}
