/** Number formats, Markdown tables and verdicts shared by the report's sections. */
import type { VariantResult } from './per-request.js';

export const LABELS: Record<string, string> = {
  bare: 'bare route (no session)',
  session: 'express-session alone (floor)',
  'session-layers': 'express-session + an empty middleware and guard',
  ours: 'express-oauth-rp `requireAuth()`',
  'ours-1': 'express-oauth-rp, 1 provider',
  'ours-8': 'express-oauth-rp, 8 providers',
  'ours-userinfo': 'express-oauth-rp, `fetchUserInfo: true`',
  eoc: 'express-openid-connect `requiresAuth()`',
  passport: 'Passport + `openid-client/passport` (claims only)',
  'passport-tokens': 'Passport + `openid-client/passport`, keeping the tokens',
  'jose-floor': "jose's `jwtVerify` with a local key set (floor)",
  bearer: 'express-oauth-rp `requireBearer()`',
};

export const label = (name: string): string => LABELS[name] ?? name;
export const int = (n: number): string => Math.round(n).toString();
export const ms = (n: number): string => n.toFixed(2);
export const ratio = (n: number): string => n.toFixed(3);
export const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
/** min..max, as the issue asks the rounds to be reported. */
export const range = (values: number[]): string =>
  `${ratio(Math.min(...values))}..${ratio(Math.max(...values))}`;
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
/** Median of the per-round ratios, with their range. */
export const paired = (values: number[]): string => `${ratio(median(values))} (${range(values)})`;

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function byName(results: readonly VariantResult[], name: string): VariantResult {
  const found = results.find((result) => result.name === name);
  if (found === undefined) throw new Error(`no result for ${name}`);
  return found;
}

/**
 * "met" or "not met" for a value that must be at least (`atLeast`) or at most the threshold;
 * when the rounds fall on both sides of it, the verdict says the difference is within the noise.
 */
export function verdict(
  value: number,
  threshold: number,
  rounds: readonly number[] = [],
  direction: 'atLeast' | 'atMost' = 'atLeast',
): string {
  const ok = (n: number): boolean => (direction === 'atLeast' ? n >= threshold : n <= threshold);
  const answer = ok(value) ? 'met' : 'not met';
  const split = rounds.some(ok) && rounds.some((n) => !ok(n));
  return split ? `${answer} (rounds on both sides of ${threshold})` : answer;
}
