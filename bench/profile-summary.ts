/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile>...`: where a CPU profile's time went, by
 * the categories (our src/, express-session, JSON parsing, crypto, ...), by package or
 * file, and the top functions by self time. Shares are of the busy (non-idle) samples.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { summariseProfile } from './profile.js';
import type { CpuProfile } from './profile.js';

const pct = (share: number): string => `${(share * 100).toFixed(1).padStart(5)}%`;

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const summary = summariseProfile(basename(file), profile, 20);
  const busy = 1 - summary.idle || 1;
  const lines = [`${file} (idle ${pct(summary.idle)} of the samples)`, '', 'by category:'];
  for (const { category, self } of summary.categories)
    lines.push(`  ${pct(self / busy)}  ${category}`);
  lines.push('', 'by package or file:');
  for (const { origin, self } of summary.origins.slice(0, 15))
    lines.push(`  ${pct(self / busy)}  ${origin}`);
  lines.push('', 'top functions (self):');
  for (const f of summary.functions) lines.push(`  ${pct(f.self / busy)}  ${f.name}  ${f.where}`);
  lines.push('', 'src/ functions:');
  for (const f of summary.own.filter((line) => line.self / busy >= 0.0005))
    lines.push(`  ${pct(f.self / busy)}  ${f.name}  ${f.where}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
