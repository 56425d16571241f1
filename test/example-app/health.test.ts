import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExample } from './start.js';
import type { RunningExample } from './start.js';

describe("example app's health route", () => {
  let running: RunningExample;

  beforeAll(async () => {
    running = await startExample();
  });

  afterAll(async () => {
    await running.stop();
  });

  it('answers 200 with every demo provider ready', async () => {
    const response = await request(running.url).get('/health').expect(200);
    expect(response.body.ready).toBe(true);
    expect(Object.keys(response.body.providers as object).length).toBeGreaterThanOrEqual(2);
    expect(response.body.refreshLock).toMatchObject({ ok: true });
  });
});
