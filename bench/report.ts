/** Renders the results as Markdown: printed to the terminal and written to bench/results.md. */
import { cpus, platform, release, totalmem } from 'node:os';
import type { FootprintRow } from './footprint.js';
import type { LoginResult } from './login-throughput.js';
import { cpuRatios, roundRatios } from './per-request.js';
import type { VariantResult } from './per-request.js';
import type { ProfileSummary } from './profile.js';

export interface BenchSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  logins: number;
  loginRounds: number;
  concurrency: number;
}

export interface BenchResults {
  settings: BenchSettings;
  startedAt: Date;
  loadBefore: number[];
  elapsedSeconds: number;
  perRequest: VariantResult[];
  /** Session-store writes during the measured per-request runs, per variant. */
  storeWrites: Record<string, number>;
  logins: LoginResult[];
  footprint: FootprintRow[];
  /** `requireBearer()` against jose's `jwtVerify` alone, in rounds of their own. */
  bearer: VariantResult[];
  profiles?: ProfileSummary[];
}

export const LABELS: Record<string, string> = {
  bare: 'bare route (no session)',
  session: 'express-session alone (floor)',
  ours: 'express-oauth-rp `requireAuth()`',
  'ours-userinfo': 'express-oauth-rp, `fetchUserInfo: true`',
  eoc: 'express-openid-connect `requiresAuth()`',
  passport: 'Passport + `openid-client/passport` (claims only)',
  'passport-tokens': 'Passport + `openid-client/passport`, keeping the tokens',
  'jose-floor': "jose's `jwtVerify` with a local key set (floor)",
  bearer: 'express-oauth-rp `requireBearer()`',
};

const label = (name: string): string => LABELS[name] ?? name;
const int = (n: number): string => Math.round(n).toString();
const ms = (n: number): string => n.toFixed(2);
const ratio = (n: number): string => n.toFixed(3);
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const range = (values: number[]): string =>
  `${ratio(Math.min(...values))}–${ratio(Math.max(...values))}`;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
/** Median of the per-round ratios, with their range. */
const paired = (values: number[]): string => `${ratio(median(values))} (${range(values)})`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function byName(results: VariantResult[], name: string): VariantResult {
  const found = results.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no result for ${name}`);
  return found;
}

/** Whether `value` clears `threshold`, and whether the rounds agree or straddle it (noise). */
function met(value: number, threshold: number, rounds: number[]): string {
  const verdict = value >= threshold ? 'yes' : 'no';
  const split = Math.min(...rounds) < threshold && Math.max(...rounds) >= threshold;
  return split ? `${verdict} (rounds straddle ${threshold})` : verdict;
}

export interface Verdicts {
  floorThroughput: number;
  floorP99: number;
  vsEoc: number;
  vsPassport: number;
}

export function verdicts(results: VariantResult[]): Verdicts {
  const ours = byName(results, 'ours');
  return {
    floorThroughput: ours.rps / byName(results, 'session').rps,
    floorP99: ours.p99 / byName(results, 'session').p99,
    vsEoc: ours.rps / byName(results, 'eoc').rps,
    vsPassport: ours.rps / byName(results, 'passport').rps,
  };
}

function perRequestTable(results: BenchResults, names: string[], baseline: string): string {
  const base = byName(results.perRequest, baseline);
  return table(
    [
      'variant',
      'req/s (mean)',
      'req/s per round',
      'p50 ms',
      'p99 ms',
      `req/s ÷ ${baseline}`,
      `per-round ÷ ${baseline}: median (range)`,
      `p99 ÷ ${baseline}`,
      'server CPU µs/req',
      `CPU/req ÷ ${baseline}`,
      'store writes',
    ],
    names.map((name) => {
      const r = byName(results.perRequest, name);
      const writes = results.storeWrites[name];
      return [
        label(name),
        int(r.rps),
        r.rounds.map(int).join(' / '),
        ms(r.p50),
        ms(r.p99),
        ratio(r.rps / base.rps),
        paired(roundRatios(r, base)),
        ratio(r.p99 / base.p99),
        r.cpuPerRequest.toFixed(0),
        ratio(r.cpuPerRequest / base.cpuPerRequest),
        writes === undefined
          ? name === 'bare'
            ? 'n/a (no session)'
            : 'n/a (cookie)'
          : String(writes),
      ];
    }),
  );
}

function loginTable(logins: LoginResult[]): string {
  return table(
    [
      'variant',
      'mode',
      'logins/s (mean)',
      'per round',
      'token/login',
      'userinfo/login',
      'discovery',
      'JWKS',
      'all provider requests/login',
    ],
    logins.map((r) => [
      label(r.variant),
      r.mode === 'sequential' ? 'sequential' : `${r.mode}, ${r.concurrency} at once`,
      r.loginsPerSecond.toFixed(1),
      r.rounds.map((n) => n.toFixed(1)).join(' / '),
      r.perLogin.token.toFixed(2),
      r.perLogin.userinfo.toFixed(2),
      r.perLogin.discovery.toFixed(2),
      r.perLogin.jwks.toFixed(2),
      r.perLogin.total.toFixed(2),
    ]),
  );
}

function footprintTable(rows: FootprintRow[]): string {
  return table(
    [
      'variant',
      'stored per session (bytes)',
      'session cookies (bytes)',
      'Cookie header per request (bytes)',
      'Set-Cookie on a read-only GET (bytes)',
      'made of',
    ],
    rows.map((row) => [
      label(row.variant),
      String(row.storedBytes),
      String(row.cookieBytes),
      String(row.cookieHeaderBytes),
      String(row.setCookieBytesPerRead),
      Object.entries(row.parts)
        .map(([part, n]) => `${part}: ${n}`)
        .join(', '),
    ]),
  );
}

function profileSection(profiles: ProfileSummary[]): string {
  return profiles
    .map((p) => {
      // Shares of the time the process was busy; idle is the wait for the next request.
      const busy = (share: number): string => pct(share / (1 - p.idle || 1));
      const own = p.own.filter((f) => f.self / (1 - p.idle || 1) >= 0.0005);
      return [
        `#### ${p.file}`,
        '',
        `Idle ${pct(p.idle)} of the samples; the shares below are of the busy ones. The profile covers the whole child, start-up and sign-in included (module loading shows as \`wrapSafe\` and \`makeSyncRequest\`).`,
        '',
        table(
          ['origin', 'self'],
          p.origins.slice(0, 12).map((o) => [o.origin, busy(o.self)]),
        ),
        '',
        table(
          ['function', 'where', 'self'],
          p.functions.slice(0, 15).map((f) => [f.name, f.where, busy(f.self)]),
        ),
        '',
        own.length === 0
          ? 'No function of src/ took 0.05% of the busy time.'
          : `src/ functions: ${own.map((f) => `\`${f.name}\` ${busy(f.self)}`).join(', ')}.`,
      ].join('\n');
    })
    .join('\n\n');
}

export function renderResults(results: BenchResults): string {
  const { settings: s } = results;
  const v = verdicts(results.perRequest);
  const ours = byName(results.perRequest, 'ours');
  const eoc = byName(results.perRequest, 'eoc');
  const passport = byName(results.perRequest, 'passport');
  const session = byName(results.perRequest, 'session');
  const passportTokens = byName(results.perRequest, 'passport-tokens');
  const cpu = cpus();
  const sections = [
    '# Benchmarks',
    '',
    `- Date: ${results.startedAt.toISOString()}`,
    `- Node ${process.version}, ${platform()} ${release()}`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Load average before the run: ${results.loadBefore.map((n) => n.toFixed(2)).join(', ')} (the machine may be shared; compare ratios within this run, not absolute numbers across runs)`,
    `- autocannon: ${s.connections} connections, ${s.seconds} s per variant per round, ${s.rounds} rounds in rotating order after a ${s.warmupSeconds} s warm-up each; every server in its own child process, autocannon in the parent, 127.0.0.1 only`,
    `- Whole run: ${results.elapsedSeconds.toFixed(0)} s`,
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured (ratio of means; per-round median and range)', 'met'],
      [
        [
          'throughput ≥ 0.95 × express-session alone',
          `${ratio(v.floorThroughput)}; per round ${paired(roundRatios(ours, session))}`,
          met(v.floorThroughput, 0.95, roundRatios(ours, session)),
        ],
        [
          '(context) server CPU per request ÷ express-session alone',
          `${ratio(ours.cpuPerRequest / session.cpuPerRequest)}; per round ${paired(cpuRatios(ours, session))}`,
          '',
        ],
        [
          'p99 latency ≤ 1.10 × express-session alone',
          ratio(v.floorP99),
          v.floorP99 <= 1.1 ? 'yes' : 'no',
        ],
        [
          'ahead of express-openid-connect',
          `${ratio(v.vsEoc)}; per round ${paired(roundRatios(ours, eoc))}`,
          met(v.vsEoc, 1, roundRatios(ours, eoc)),
        ],
        [
          'ahead of Passport (its README setup: claims only)',
          `${ratio(v.vsPassport)}; per round ${paired(roundRatios(ours, passport))}`,
          met(v.vsPassport, 1, roundRatios(ours, passport)),
        ],
        [
          '(context) ahead of Passport keeping the same tokens',
          `${ratio(ours.rps / passportTokens.rps)}; per round ${paired(roundRatios(ours, passportTokens))}`,
          met(ours.rps / passportTokens.rps, 1, roundRatios(ours, passportTokens)),
        ],
        [
          'no session write on an authenticated read-only GET',
          `${results.storeWrites.ours ?? '?'} writes in ${ours.requests} requests`,
          results.storeWrites.ours === 0 ? 'yes' : 'no',
        ],
      ],
    ),
    '',
    '## 1. Per-request cost: `GET /me` with a signed-in session',
    '',
    'The floor holds the very session our middleware stored (same bytes, so the same JSON parse and hashing in express-session) and checks it with one property read. "server CPU µs/req" is the server process\'s CPU time (`process.cpuUsage()`) divided by the responses it sent: a second view of the cost that other work on the machine disturbs less than throughput, though it still moves with it. "store writes" counts `store.set()` calls during the measured runs.',
    '',
    perRequestTable(results, ['bare', 'session', 'ours'], 'session'),
    '',
    '## 2. Against the peers (same run)',
    '',
    perRequestTable(results, ['ours', 'eoc', 'passport', 'passport-tokens', 'session'], 'ours'),
    '',
    `express-oauth-rp ÷ express-openid-connect: ${ratio(v.vsEoc)} req/s, p99 ${ratio(ours.p99 / eoc.p99)}; express-oauth-rp ÷ Passport (claims only): ${ratio(v.vsPassport)} req/s, p99 ${ratio(ours.p99 / passport.p99)}; ÷ Passport keeping the tokens: ${ratio(ours.rps / passportTokens.rps)} req/s, p99 ${ratio(ours.p99 / passportTokens.p99)}. Passport (claims only) ÷ floor: ${ratio(passport.rps / session.rps)}: its session is a quarter of the size (table 4), and on every request MemoryStore parses the whole session twice (get, touch) and serialises it once, and express-session serialises and SHA-1-hashes it three times, so a smaller session is faster before any middleware runs.`,
    '',
    '## 3. Login throughput against a local oidc-provider',
    '',
    `${s.logins} complete logins per batch, ${s.loginRounds} rounds per mode in rotating order, after 3 warm-up logins per variant. A login is GET /login, the provider's authorization, login form and consent (driven by the test suite's \`completeLogin\`), and the callback (token request, ID token signature check, new session saved). "sso" reuses the provider session, so the provider skips its forms: what is left is closer to the relying party's own cost. oidc-provider (key signing, its own storage and HTML pages) dominates every mode, so these numbers say more about the provider than about the relying parties. Request counts are per login after warm-up.`,
    '',
    loginTable(results.logins),
    '',
    '## 4. Session footprint after the same login',
    '',
    "Real tokens from oidc-provider: an RS256 ID token with the profile and email claims, opaque access and refresh tokens. Providers that issue JWT access tokens (Auth0 APIs, Entra ID) add 1–2 KB to every column but Passport's (its canonical setup keeps only the ID token claims, no tokens: no refresh, no API calls).",
    '',
    footprintTable(results.footprint),
  ];
  const bearer = byName(results.bearer, 'bearer');
  const joseFloor = byName(results.bearer, 'jose-floor');
  const bearerRatio = bearer.rps / joseFloor.rps;
  sections.push(
    '',
    '## 5. API protection: a JWT access token behind `requireBearer()`',
    '',
    "The same RFC 9068 access token (RS256, `typ: at+jwt`) sent to `GET /me` of two apps: one checks it with jose's `jwtVerify` against the provider's key set held locally (the floor for this work), the other behind `requireBearer({ middleware })`, whose key set comes from the provider's discovery, as in production (an API route given the middleware goes through nothing else: no express-session). Measured in rounds of their own, same settings as table 1.",
    '',
    table(
      ['target', 'measured', 'met'],
      [
        [
          'requireBearer() throughput ≥ 0.95 × jwtVerify alone',
          `${ratio(bearerRatio)}; per round ${paired(roundRatios(bearer, joseFloor))}`,
          met(bearerRatio, 0.95, roundRatios(bearer, joseFloor)),
        ],
      ],
    ),
    '',
    perRequestTable(
      { ...results, perRequest: results.bearer },
      ['jose-floor', 'bearer'],
      'jose-floor',
    ),
  );
  if (results.profiles !== undefined) {
    sections.push('', '## CPU profiles (`--profile`)', '', profileSection(results.profiles));
  }
  return `${sections.join('\n')}\n`;
}
