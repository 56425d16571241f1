import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The suite runs twice, once against Express 5 (the dev dependency) and once against
// Express 4 (installed under the alias "express4"), so both majors are proven on every run.
const express4 = fileURLToPath(new URL('./node_modules/express4/index.js', import.meta.url));

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'express5', include: ['test/**/*.test.ts'], exclude: ['test/package/**'] },
      },
      {
        extends: true,
        resolve: { alias: [{ find: /^express$/, replacement: express4 }] },
        test: { name: 'express4', include: ['test/**/*.test.ts'], exclude: ['test/package/**', 'test/simulators/**'] },
      },
      {
        extends: true,
        test: { name: 'package', include: ['test/package/**/*.test.ts'] },
      },
    ],
  },
});
