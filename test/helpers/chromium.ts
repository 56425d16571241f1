/**
 * Debian's Chromium for the browser tests, driven through playwright-core. Never a browser
 * download: the executable is the system one (`CHROMIUM_PATH`, else /usr/bin/chromium, which
 * .ci/run installs with apt-get).
 *
 * Without it the browser tests fail with one test that names the package to install: a browser
 * test that is not run is never reported as passed or skipped.
 */
import { accessSync, constants, statSync } from 'node:fs';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { describe, it } from 'vitest';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_MISSING =
  "chromium is not installed: install Debian's chromium package (apt-get install -y chromium) " +
  'to run the browser tests';

/**
 * Headless and quiet: no sandbox (it needs user namespaces that containers and CI machines often
 * lack), no GPU, and no calls home (component updates, sync, QUIC, first-run pages) that would
 * slow or flake a run on a machine without network access.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
]);

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

/** The one line a run without Chromium prints, naming the package and the install command. */
export function chromiumMissingReason(env: NodeJS.ProcessEnv = process.env): string {
  const custom = env.CHROMIUM_PATH?.trim();
  // The fixed sentence comes first so CI logs can be searched for it; a wrong CHROMIUM_PATH is
  // worth naming, since then the package may well be installed.
  return custom
    ? `${CHROMIUM_MISSING} (CHROMIUM_PATH=${custom} is not an executable)`
    : CHROMIUM_MISSING;
}

/**
 * `describe` for tests that need Chromium. With Chromium, it is `describe`. Without it, the block
 * is replaced by one failing test carrying the reason, which names the package to install.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (findChromium() !== undefined) {
    describe(name, body);
    return;
  }
  const reason = chromiumMissingReason();
  describe(name, () => {
    it('needs chromium', () => {
      throw new Error(reason);
    });
  });
}

/**
 * Launches headless Chromium. playwright-core gives every launch a fresh user-data directory
 * of its own (a temporary profile it deletes on `browser.close()`), so no state leaks between
 * runs and nothing is left behind. Close the browser in `afterAll`, also after a failure.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(chromiumMissingReason());
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    // The Debian wrapper script may print to stderr; a stuck start should fail, not hang.
    timeout: 30_000,
  });
}
