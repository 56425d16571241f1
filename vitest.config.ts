import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The suite runs twice, once against Express 5 (the dev dependency) and once against
// Express 4 (installed under the alias "express4"), so both majors are proven on every run.
const express4 = fileURLToPath(new URL('./node_modules/express4/index.js', import.meta.url));
// The example app imports the package by name, as users do; in tests that name is the source.
// The packed build is tested on its own in test/package.
const source = fileURLToPath(new URL('./src/index.ts', import.meta.url));
const testing = fileURLToPath(new URL('./src/testing/index.ts', import.meta.url));
const self = [
  { find: /^express-oauth-rp$/, replacement: source },
  { find: /^express-oauth-rp\/testing$/, replacement: testing },
];

export default defineConfig({
  resolve: { alias: self },
  test: {
    // Looks for redis-server and Chromium once per run (and says once what is missing).
    globalSetup: ['test/setup/system-tools.ts'],
    // Most of a test's time is spent waiting on loopback servers, not on the CPU; vitest's default
    // (one worker per core but one) runs a two-core machine one file at a time: 6.8 min instead
    // of 3.9 min for the same suite, measured on the same machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'express5',
          env: { EXPRESS_PROJECT: 'express5' },
          include: ['test/**/*.test.ts'],
          exclude: ['test/package/**'],
        },
      },
      {
        extends: true,
        resolve: {
          alias: [{ find: /^express$/, replacement: express4 }, ...self],
        },
        test: {
          name: 'express4',
          env: { EXPRESS_PROJECT: 'express4' },
          include: ['test/**/*.test.ts'],
          exclude: ['test/package/**', 'test/simulators/**'],
        },
      },
      {
        extends: true,
        test: { name: 'package', include: ['test/package/**/*.test.ts'] },
      },
    ],
  },
});
