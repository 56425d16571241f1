/** The report's tables, one function per kind of table. */
import type { FootprintRow } from './footprint.js';
import type { LoginResult } from './login-throughput.js';
import { roundRatios } from './per-request.js';
import type { VariantResult } from './per-request.js';
import type { ProfileSummary } from './profile.js';
import { byName, int, label, ms, paired, pct, range, ratio, table } from './report-format.js';
import type { ScalingResult } from './scaling.js';
import type { StoreStats } from './stores.js';
import { perRequestStore } from './targets.js';

/**
 * Throughput, latency and server CPU per request of `names`, each against `baseline` measured in
 * the same rounds; with store counts, the store calls and bytes read per request too.
 */
export function perRequestTable(
  results: readonly VariantResult[],
  names: readonly string[],
  baseline: string,
  storeStats?: Partial<Record<string, StoreStats>>,
): string {
  const base = byName(results, baseline);
  return table(
    [
      'variant',
      'req/s (mean)',
      'req/s per round',
      'p50 ms',
      'p99 ms',
      `req/s ÷ ${baseline}`,
      `per-round ÷ ${baseline}: median (min..max)`,
      `p99 ÷ ${baseline}`,
      'server CPU µs/req',
      `CPU/req ÷ ${baseline}`,
      ...(storeStats === undefined
        ? []
        : ['store reads / writes / touches per req', 'bytes read per req']),
    ],
    names.map((name) => {
      const r = byName(results, name);
      const stats = storeStats?.[name];
      const store =
        stats === undefined
          ? ['n/a (no store)', 'n/a']
          : (() => {
              const per = perRequestStore(stats);
              return [
                `${per.reads.toFixed(3)} / ${per.writes.toFixed(3)} / ${per.touches.toFixed(3)}`,
                per.bytesRead.toFixed(0),
              ];
            })();
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
        ...(storeStats === undefined ? [] : store),
      ];
    }),
  );
}

/** The scaling curve: sessions in the store, then providers configured. */
export function scalingTables(scaling: ScalingResult): string {
  const sessions = table(
    [
      'store',
      'signed-in sessions in the store',
      'floor req/s',
      'ours req/s',
      'ours ÷ floor (min..max)',
      'floor CPU µs/req',
      'ours CPU µs/req',
      'ours CPU ÷ floor CPU',
      'floor p99 ms',
      'ours p99 ms',
    ],
    scaling.sessions.map((point) => {
      return [
        point.store === 'memory' ? 'MemoryStore' : 'Redis',
        point.sessions.toLocaleString('en-US'),
        int(point.floor.rps),
        int(point.ours.rps),
        `${ratio(point.ours.rps / point.floor.rps)} (${range(roundRatios(point.ours, point.floor))})`,
        point.floor.cpuPerRequest.toFixed(0),
        point.ours.cpuPerRequest.toFixed(0),
        ratio(point.ours.cpuPerRequest / point.floor.cpuPerRequest),
        ms(point.floor.p99),
        ms(point.ours.p99),
      ];
    }),
  );
  const providers = table(
    [
      'providers configured',
      'ours req/s',
      'ours ÷ floor (min..max)',
      'ours CPU µs/req',
      'ours CPU ÷ floor',
      'ours p99 ms',
    ],
    scaling.providers.map((point) => [
      String(point.providers),
      int(point.ours.rps),
      `${ratio(point.ours.rps / point.floor.rps)} (${range(roundRatios(point.ours, point.floor))})`,
      point.ours.cpuPerRequest.toFixed(0),
      ratio(point.ours.cpuPerRequest / point.floor.cpuPerRequest),
      ms(point.ours.p99),
    ]),
  );
  return `${sessions}

${providers}`;
}

export function loginTable(logins: readonly LoginResult[]): string {
  return table(
    [
      'variant',
      'mode',
      'logins/s (mean)',
      'per round',
      'app CPU µs/login',
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
      r.cpuPerLogin.toFixed(0),
      r.perLogin.token.toFixed(2),
      r.perLogin.userinfo.toFixed(2),
      r.perLogin.discovery.toFixed(2),
      r.perLogin.jwks.toFixed(2),
      r.perLogin.total.toFixed(2),
    ]),
  );
}

export function footprintTable(rows: readonly FootprintRow[]): string {
  return table(
    [
      'variant',
      'session entry, read per request (bytes)',
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

export function profileSection(profiles: readonly ProfileSummary[]): string {
  return profiles
    .map((p) => {
      // Shares of the time the process was busy; idle is the wait for the next request.
      const busy = (share: number): string => pct(share / (1 - p.idle || 1));
      const own = p.own.filter((f) => f.self / (1 - p.idle || 1) >= 0.0005);
      return [
        `#### ${p.file}${p.load === undefined ? '' : ` (${p.load})`}`,
        '',
        `Idle ${pct(p.idle)} of the samples; the shares below are of the busy ones. The profile covers only the load, taken once the child was warm. Native frames (a crypto job's \`run\`, a socket's \`writev\`) count in their caller's category.`,
        '',
        table(
          ['category', 'self'],
          p.categories.map((c) => [c.category, busy(c.self)]),
        ),
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
