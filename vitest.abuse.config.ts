import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The abuse checks: floods, oversized provider answers and a stopped or frozen store. They are
// slower than the unit and flow tests, so they run in their own script (`npm run test:abuse`),
// which CI runs after `npm test`, on Express 5 only.
const source = fileURLToPath(new URL('./src/index.ts', import.meta.url));
const testing = fileURLToPath(new URL('./src/testing/index.ts', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^express-oauth-rp$/, replacement: source },
      { find: /^express-oauth-rp\/testing$/, replacement: testing },
    ],
  },
  test: {
    name: 'abuse',
    // Looks for redis-server once (and says once if it is missing).
    globalSetup: ['test/setup/system-tools.ts'],
    include: ['test/abuse/**/*.abuse.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // One at a time: each file measures memory or store traffic, and must not share the CPU.
    fileParallelism: false,
  },
});
