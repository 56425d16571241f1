/**
 * Vitest global setup: looks for redis-server and Chromium once per run, prints one line for each
 * that is missing (naming the Debian package and the install command), and provides the verdict
 * to the test files (`inject('systemTools')`, read by test/helpers/redis.ts and chromium.ts).
 *
 * Only the root project probes: the Express 4 and 5 projects inherit this setup through
 * `extends: true`, and also inherit what the root provides, so the line appears once per run
 * rather than once per project or per test file.
 */
import type { TestProject } from 'vitest/node';

import { probeSystemTools } from '../helpers/system-tools.js';

export default async function setup(project: TestProject): Promise<void> {
  if (!project.isRootProject()) return;
  const tools = await probeSystemTools();
  project.provide('systemTools', tools);
  for (const tool of [tools.redis, tools.chromium]) {
    // A required program's line is the failure of each test that needs it instead.
    if (!tool.available && !tool.required) console.warn(tool.notice);
  }
}
