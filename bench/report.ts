/** Renders the results as Markdown: printed to the terminal and written to bench/results.md. */
import { cpus, platform, release, totalmem } from 'node:os';
import type { FootprintRow } from './footprint.js';
import type { VariantResult } from './per-request.js';
import type { ProfileSummary } from './profile.js';
import { byName, ratio, table, verdict } from './report-format.js';
import {
  footprintTable,
  loginTable,
  perRequestTable,
  profileSection,
  scalingTables,
} from './report-tables.js';
import { roundRatios } from './per-request.js';
import type { ScalingResult } from './scaling.js';
import type { StoreSuiteResult } from './store-suite.js';
import { FLAT, targetRows } from './targets.js';

export { LABELS } from './report-format.js';

export interface BenchSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  logins: number;
  loginRounds: number;
  concurrency: number;
  /** Rounds of each point of the scaling curve. */
  scaleRounds: number;
  /** Signed-in sessions in the store at each point of the curve, ascending. */
  sessionCounts: number[];
}

export interface BenchResults {
  settings: BenchSettings;
  startedAt: Date;
  loadBefore: number[];
  elapsedSeconds: number;
  /** Every variant on express-session's MemoryStore. */
  memory: StoreSuiteResult;
  /** Every store-backed variant on connect-redis (absent when redis-server is not installed). */
  redis?: StoreSuiteResult;
  footprint: FootprintRow[];
  /** `requireBearer()` against jose's `jwtVerify` alone, in rounds of their own. */
  bearer: VariantResult[];
  scaling: ScalingResult;
  profiles?: ProfileSummary[];
}

const PEERS = ['ours', 'eoc', 'passport', 'passport-tokens', 'session'];

function redisSection(redis: StoreSuiteResult | undefined): string[] {
  if (redis === undefined) {
    return ['## 3. With Redis', '', 'Not run: redis-server is not installed on this machine.'];
  }
  const commands = Object.entries(redis.redisCommands ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => `${name} ${calls}`)
    .join(', ');
  const counted = Object.values(redis.storeStats).reduce(
    (sum, s) => ({
      reads: sum.reads + s.reads,
      writes: sum.writes + s.writes,
      touches: sum.touches + s.touches,
    }),
    { reads: 0, writes: 0, touches: 0 },
  );
  return [
    '## 3. With Redis: connect-redis on one local redis-server',
    '',
    "The same variants, each keeping its sessions in one `redis-server` on 127.0.0.1 through connect-redis 9 (express-openid-connect through its `session.store`, which writes the session back at the end of every request). The floor again holds the very session our middleware stored. Store calls are counted by wrapping each app's store (get = read, set = write, touch = express-session's TTL refresh, an `EXPIRE`), bytes read by connect-redis's serializer.",
    '',
    perRequestTable(redis.perRequest, PEERS, 'session', redis.storeStats),
    '',
    `Redis's own \`INFO commandstats\` over the measured rounds (all variants): ${commands || 'none'}; the store wrappers counted ${counted.reads} reads (GET), ${counted.writes} writes (SET) and ${counted.touches} touches (EXPIRE).`,
    '',
    loginTable(redis.logins),
  ];
}

/** Table 6: requireBearer() against jose's jwtVerify alone, with its target. */
export function bearerSection(results: readonly VariantResult[]): string {
  const bearer = byName(results, 'bearer');
  const joseFloor = byName(results, 'jose-floor');
  const bearerRatio = bearer.rps / joseFloor.rps;
  return [
    '## 6. API protection: a JWT access token behind `requireBearer()`',
    '',
    "The same RFC 9068 access token (RS256, `typ: at+jwt`) sent to `GET /me` of two apps: one checks it with jose's `jwtVerify` against the provider's key set held locally (the floor for this work), the other behind `requireBearer({ middleware })`, whose key set comes from the provider's discovery, as in production. Measured in rounds of their own, same settings as table 1.",
    '',
    table(
      ['target', 'measured', 'verdict'],
      [
        [
          'requireBearer() throughput ≥ 0.95 × jwtVerify alone',
          `${ratio(bearerRatio)}; rounds ${roundRatios(bearer, joseFloor).map(ratio).join(' / ')}`,
          verdict(bearerRatio, 0.95, roundRatios(bearer, joseFloor)),
        ],
      ],
    ),
    '',
    perRequestTable(results, ['jose-floor', 'bearer'], 'jose-floor'),
  ].join('\n');
}

export function renderResults(results: BenchResults): string {
  const { settings: s, memory } = results;
  const cpu = cpus();
  const ours = byName(memory.perRequest, 'ours');
  const eoc = byName(memory.perRequest, 'eoc');
  const suites = results.redis === undefined ? [memory] : [memory, results.redis];
  const sections = [
    '# Benchmarks',
    '',
    `- Date: ${results.startedAt.toISOString()}`,
    `- Node ${process.version}, ${platform()} ${release()}`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Load average before the run: ${results.loadBefore.map((n) => n.toFixed(2)).join(', ')} (the machine may be shared; compare ratios within this run, not absolute numbers across runs)`,
    `- autocannon: ${s.connections} connections, ${s.seconds} s per variant per round, ${s.rounds} rounds in rotating order after a ${s.warmupSeconds} s warm-up each (scaling curve: ${s.scaleRounds} rounds per point); every server in its own child process, autocannon in the parent, 127.0.0.1 only`,
    `- Whole run: ${results.elapsedSeconds.toFixed(0)} s`,
    '',
    '## Targets (issue 15)',
    '',
    'Ratios of this run\'s means; "rounds" is the min..max of the per-round ratios. A verdict that says the rounds fall on both sides of the threshold is within this run\'s noise.',
    '',
    table(['target', 'store', 'measured', 'verdict'], targetRows(suites, results.scaling)),
    '',
    '## 1. Per-request cost: `GET /me` with a signed-in session (MemoryStore)',
    '',
    'The floor holds the very session our middleware stored (same bytes, so the same JSON parse and hashing in express-session) and checks it with one property read. "server CPU µs/req" is the server process\'s CPU time (`process.cpuUsage()`) over the round divided by the responses it sent: a second view of the cost that other work on the machine disturbs less than throughput. Store calls and bytes read are counted by wrapping each app\'s store, over the measured rounds.',
    '',
    perRequestTable(
      memory.perRequest,
      ['bare', 'session', 'session-layers', 'ours'],
      'session',
      memory.storeStats,
    ),
    '',
    '## 2. Against the peers (same run, MemoryStore)',
    '',
    perRequestTable(memory.perRequest, PEERS, 'ours', memory.storeStats),
    '',
    `express-oauth-rp ÷ express-openid-connect: ${ratio(ours.rps / eoc.rps)} req/s, p99 ${ratio(ours.p99 / eoc.p99)}. On every request MemoryStore parses the whole session (get) and, through express-session's touch, parses and serialises it again, and express-session serialises and hashes it to see whether it changed: every byte of the session is paid on every request, before any middleware runs.`,
    '',
    ...redisSection(results.redis),
    '',
    '## 4. Login throughput against a local oidc-provider (MemoryStore)',
    '',
    `${s.logins} complete logins per batch, ${s.loginRounds} rounds per mode in rotating order, after 3 warm-up logins per variant. A login is GET /login, the provider's authorization, login form and consent (driven by the test suite's \`completeLogin\`), and the callback (token request, ID token signature check, new session saved). "sso" reuses the provider session, so the provider skips its forms: what is left is closer to the relying party's own cost. oidc-provider (key signing, its own storage and HTML pages) dominates every mode. Request counts are per login after warm-up.`,
    '',
    loginTable(memory.logins),
    '',
    '## 5. Session footprint after the same login',
    '',
    "Real tokens from oidc-provider: an RS256 ID token with the profile and email claims, opaque access and refresh tokens. Providers that issue JWT access tokens (Auth0 APIs, Entra ID) add 1–2 KB to every column but Passport's (its canonical setup keeps only the ID token claims, no tokens: no refresh, no API calls).",
    '',
    footprintTable(results.footprint),
    '',
    bearerSection(results.bearer),
    '',
    '## 7. Cost as work grows',
    '',
    `The floor and our middleware, each signed in once, with other signed-in sessions (copies of the measured one) added to their store between points; then our middleware with 1 and with 8 providers configured (the same local provider under eight names, the user signed in with the first), against the floor in the same rounds. "Flat" in the targets means that our CPU per request over the floor's, measured in the same rounds, grows at most ${FLAT}× from the first point to the last.`,
    '',
    scalingTables(results.scaling),
  ];
  if (results.profiles !== undefined) {
    sections.push(
      '',
      '## CPU profiles (`--profile`)',
      '',
      'Self time by category (our src/, express-session, JSON parsing, crypto, ...), by package, and by function. `npx tsx bench/profile-summary.ts bench/profiles/<name>/<file>.cpuprofile` prints the same for any profile.',
      '',
      profileSection(results.profiles),
    );
  }
  return `${sections.join('\n')}\n`;
}
