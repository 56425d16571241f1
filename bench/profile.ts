/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and says where the time went: self
 * time per function, and per origin (this package's src/, each dependency, Node internals).
 * Open the file itself in Chrome DevTools or speedscope.app for a flame graph.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  where: string;
  /** Share of all samples, 0..1. */
  self: number;
}

export interface ProfileSummary {
  file: string;
  /** Share of samples with the process doing nothing (waiting for I/O). */
  idle: number;
  functions: ProfileLine[];
  /** Every function of this package's src/ that was sampled. */
  own: ProfileLine[];
  origins: { origin: string; self: number }[];
}

function originOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1]!;
  if (url.includes('/src/')) return 'express-oauth-rp src/';
  if (url.includes('/bench/')) return 'bench/';
  return url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const src = url.lastIndexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Self-time shares, by function and by origin. */
export function summariseProfile(file: string, profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const weight = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    weight.set(id, (weight.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, ProfileLine>();
  const origins = new Map<string, number>();
  let idle = 0;
  for (const [id, time] of weight) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const share = time / total;
    if (functionName === '(idle)') {
      idle += share;
      continue;
    }
    const name = functionName === '' ? '(anonymous)' : functionName;
    // tsx's transpiled src/ has no useful line numbers (everything is on line 1).
    const where =
      url === '' ? '' : lineNumber > 0 ? `${shortUrl(url)}:${lineNumber + 1}` : shortUrl(url);
    const key = `${name} ${where}`;
    const line = functions.get(key) ?? { name, where, self: 0 };
    line.self += share;
    functions.set(key, line);
    const origin = originOf(url);
    origins.set(origin, (origins.get(origin) ?? 0) + share);
  }
  const sorted = [...functions.values()].sort((a, b) => b.self - a.self);
  return {
    file,
    idle,
    functions: sorted.slice(0, top),
    own: sorted.filter((line) => line.where.startsWith('src/')),
    origins: [...origins]
      .map(([origin, self]) => ({ origin, self }))
      .sort((a, b) => b.self - a.self),
  };
}

/** Summarises every profile in `dir` (one per profiled child). */
export async function summariseProfiles(dir: string): Promise<ProfileSummary[]> {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread; the others
  // are the ESM loader's worker (tsx), idle after start-up.
  const files = (await readdir(dir))
    .filter((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name))
    .sort();
  return Promise.all(
    files.map(async (name) => {
      const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile;
      return summariseProfile(name, profile);
    }),
  );
}
