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
  children?: number[];
}

export interface CpuProfile {
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

/** The shares the issue asks about, of the busy (non-idle) time. */
export type ProfileCategory =
  | 'express-oauth-rp (src/)'
  | 'express-session'
  | 'JSON parse / stringify'
  | 'crypto'
  | 'express and its router'
  | 'other dependencies'
  | 'Node internals (http, net, streams)'
  | 'V8 (GC, compiler, program)';

export interface ProfileSummary {
  file: string;
  /** Which load the profile was taken under ('signed-in GET /me', 'logins'). */
  load?: string;
  /** Self time by category, shares of all samples (idle included), largest first. */
  categories: { category: ProfileCategory; self: number }[];
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

const CRYPTO_PACKAGES = new Set(['jose', 'oauth4webapi', 'cookie-signature', 'uid-safe']);
const EXPRESS_PACKAGES = new Set(['express', 'router', 'body-parser', 'send', 'finalhandler']);
/** V8 builtins that parse or write JSON (their call frames carry no URL). */
const JSON_BUILTINS = new Set(['parse', 'stringify', 'JsonParse', 'JsonStringify']);
/** Native crypto (the bindings behind node:crypto, with no URL either). */
const CRYPTO_NATIVES = new Set([
  'digest',
  'update',
  'Hmac',
  'Hash',
  'HashJob',
  'createHash',
  'createHmac',
  'sign',
  'verify',
  'SignJob',
  'VerifyJob',
  'randomBytes',
  'timingSafeEqual',
]);

/** Which of the categories a call frame's self time belongs to. */
export function categoryOf(functionName: string, url: string, callerUrl = ''): ProfileCategory {
  if (url === '') {
    if (JSON_BUILTINS.has(functionName)) return 'JSON parse / stringify';
    if (CRYPTO_NATIVES.has(functionName)) return 'crypto';
    if (functionName.startsWith('(')) return 'V8 (GC, compiler, program)';
    // Other native frames (a crypto job's `run`, a socket's `writev`) belong to their caller.
    return callerUrl === '' ? 'Node internals (http, net, streams)' : categoryOf('', callerUrl);
  }
  if (url.includes('/crypto') && url.startsWith('node:')) return 'crypto';
  if (url.startsWith('node:')) return 'Node internals (http, net, streams)';
  const origin = originOf(url);
  if (origin === 'express-oauth-rp src/') return 'express-oauth-rp (src/)';
  if (origin === 'express-session') return 'express-session';
  if (CRYPTO_PACKAGES.has(origin)) return 'crypto';
  if (EXPRESS_PACKAGES.has(origin)) return 'express and its router';
  return 'other dependencies';
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
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  /** The URL of the nearest caller that has one (native frames have none). */
  const callerUrl = (id: number): string => {
    for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const { url } = byId.get(at)!.callFrame;
      if (url !== '') return url;
    }
    return '';
  };
  const weight = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    weight.set(id, (weight.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...weight.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, ProfileLine>();
  const origins = new Map<string, number>();
  const categories = new Map<ProfileCategory, number>();
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
    const category = categoryOf(functionName, url, url === '' ? callerUrl(id) : '');
    categories.set(category, (categories.get(category) ?? 0) + share);
  }
  const sorted = [...functions.values()].sort((a, b) => b.self - a.self);
  return {
    file,
    idle,
    categories: [...categories]
      .map(([category, self]) => ({ category, self }))
      .sort((a, b) => b.self - a.self),
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
