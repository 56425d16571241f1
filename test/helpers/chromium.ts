/**
 * Debian's Chromium for the browser tests, driven through playwright-core. Never a browser
 * download: the executable is the system one (`CHROMIUM_PATH`, else /usr/bin/chromium, which
 * .ci/run installs with apt-get).
 *
 * Whether it is there is decided once per run by the global setup (system-tools.ts): without it
 * the browser tests are skipped, after one line naming the package to install, or fail with that
 * line in CI (`CI=true`) and with REQUIRE_CHROMIUM=1.
 */
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { describe, inject, it } from 'vitest';

import { findChromium } from './system-tools.js';

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

/**
 * `describe` for tests that need Chromium. With Chromium, it is `describe`. Without it, the block
 * is skipped (the run printed why, once), or, when Chromium is required, replaced by one failing
 * test carrying the line that names the package to install.
 */
export function describeWithChromium(name: string, body: () => void): void {
  const { available, required, notice } = inject('systemTools').chromium;
  if (!available && required) {
    describe(name, () => {
      it('needs chromium', () => {
        throw new Error(notice);
      });
    });
    return;
  }
  // As the Redis tests do: skipped only where Chromium is missing and not required.
  describe.skipIf(!available)(name, body);
}

/**
 * Launches headless Chromium. playwright-core gives every launch a fresh user-data directory
 * of its own (a temporary profile it deletes on `browser.close()`), so no state leaks between
 * runs and nothing is left behind. Close the browser in `afterAll`, also after a failure.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(inject('systemTools').chromium.notice);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    // The Debian wrapper script may print to stderr; a stuck start should fail, not hang.
    timeout: 30_000,
  });
}
