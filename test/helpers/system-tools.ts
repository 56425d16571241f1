/**
 * The two programs some tests need from the machine: Debian's `redis-server` (the shared-session
 * tests) and `chromium` (the browser test). They are looked for once per run, by the global setup
 * (test/setup/system-tools.ts), which prints one line for each that is missing and hands the
 * verdict to every test file through vitest's `provide`/`inject`.
 *
 * A missing program skips the tests that need it, unless it is required: in CI (`CI` set to
 * anything but `false` or `0`), or with REQUIRE_REDIS=1 or REQUIRE_CHROMIUM=1. Then those tests
 * fail with the same line, so CI can never pass by skipping them.
 *
 * No vitest import here: the global setup runs outside any test worker.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';

/** What one program's probe found, as the global setup provides it to the test files. */
export interface SystemTool {
  readonly available: boolean;
  /** A missing program fails the tests that need it instead of skipping them. */
  readonly required: boolean;
  /** The one line about a missing program, naming the Debian package and how to install it. */
  readonly notice: string;
}

export interface SystemTools {
  readonly redis: SystemTool;
  readonly chromium: SystemTool;
}

// What `inject('systemTools')` returns in the test files (types only: nothing is imported).
declare module 'vitest' {
  export interface ProvidedContext {
    systemTools: SystemTools;
  }
}

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** The redis-server to run: `REDIS_SERVER_BIN` (e.g. /nonexistent, to try both verdicts). */
export function redisServerBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_SERVER_BIN?.trim() || 'redis-server';
}

/** Where Chromium should be: `CHROMIUM_PATH`, else Debian's /usr/bin/chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH;
}

/** The executable, or undefined when there is no executable file at {@link chromiumPath}. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = chromiumPath(env);
  try {
    if (!statSync(path).isFile()) return undefined;
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Whether redis-server can be run at all; only "no such file" counts as not installed. */
export function redisServerInstalled(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const bin = redisServerBin(env);
  return new Promise((resolve, reject) => {
    execFile(bin, ['--version'], (error) => {
      if (error === null) resolve(true);
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve(false);
      else reject(new Error(`${bin} --version failed`, { cause: error }));
    });
  });
}

/** CI systems set `CI` (GitHub Actions, GitLab, .ci/run: `CI=true`). */
function inCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Why a missing program fails rather than skips, for the message; undefined when it skips. */
function requiredBy(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  if (env[variable] === '1') return `${variable}=1`;
  if (inCI(env)) return `CI=${env.CI?.trim() ?? ''}`;
  return undefined;
}

function verdict(
  available: boolean,
  required: string | undefined,
  what: string,
  install: string,
): SystemTool {
  // The fixed part comes first, so a log can be searched for it.
  const notice =
    required === undefined
      ? `${what}: skipping the tests that need it; ${install}`
      : `${what} and ${required} requires it: ${install}`;
  return { available, required: required !== undefined, notice };
}

/** Looks for both programs; what the global setup provides. */
export async function probeSystemTools(env: NodeJS.ProcessEnv = process.env): Promise<SystemTools> {
  const bin = redisServerBin(env);
  const redisWhat =
    bin === 'redis-server'
      ? 'redis-server is not installed'
      : `redis-server is not installed (REDIS_SERVER_BIN=${bin} does not exist)`;
  const customChromium = env.CHROMIUM_PATH?.trim();
  const chromiumWhat = customChromium
    ? `chromium is not installed (CHROMIUM_PATH=${customChromium} is not an executable)`
    : 'chromium is not installed';
  return {
    redis: verdict(
      await redisServerInstalled(env),
      requiredBy(env, 'REQUIRE_REDIS'),
      redisWhat,
      "install Debian's redis-server package (apt-get install -y redis-server) to run the shared-session tests",
    ),
    chromium: verdict(
      findChromium(env) !== undefined,
      requiredBy(env, 'REQUIRE_CHROMIUM'),
      chromiumWhat,
      "install Debian's chromium package (apt-get install -y chromium) to run the browser tests",
    ),
  };
}
