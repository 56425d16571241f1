import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRefreshLock } from '../../src/index.js';
import type { OAuthRefreshLock } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

/** A lock whose store can be made to hang or fail, as a Redis that went away would. */
function flakyLock(): OAuthRefreshLock & { mode: 'ok' | 'hang' | 'fail' } {
  const inner = createMemoryRefreshLock();
  const lock = {
    mode: 'ok' as 'ok' | 'hang' | 'fail',
    acquire(key: string, ttlMs: number): Promise<string | undefined> {
      if (lock.mode === 'hang') return new Promise(() => undefined);
      if (lock.mode === 'fail') return Promise.reject(new Error('redis://user:hunter2@redis down'));
      return inner.acquire(key, ttlMs);
    },
    release: (key: string, token: string) => inner.release(key, token),
  };
  return lock;
}

describe('health()', () => {
  let op: TestProvider;
  let app: TestApp;
  const lock = flakyLock();

  beforeAll(async () => {
    op = await startTestProvider();
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        refreshLock: lock,
        timeout: 1000,
        routes: { health: '/health' },
      }),
    });
    await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
  });

  afterAll(async () => {
    await app.close();
    await op.close();
  });

  it('discovers the provider when asked, so a readiness probe does not wait for a first login', async () => {
    expect(op.count('/.well-known/')).toBe(0);
    const health = await app.router.health();
    expect(health.ready).toBe(true);
    expect(health.providers.default).toMatchObject({
      kind: 'oidc',
      ready: true,
      discovery: { loaded: true, ageSeconds: 0 },
      keys: { loaded: false },
    });
    expect(health.refreshLock).toMatchObject({ ok: true });
    expect(JSON.stringify(health)).not.toContain(TEST_CLIENT.client_secret);
  });

  it('reports the keys once a login fetched them', async () => {
    await loginThroughProvider(browser(app.url));
    const health = await app.router.health();
    expect(health.providers.default?.keys).toEqual({ loaded: true, ageSeconds: 0 });
  });

  it('answers the health route with 200 when ready and 503 when the lock store does not answer', async () => {
    const ok = await request(app.url).get('/health').expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    lock.mode = 'hang';
    const hung = await request(app.url).get('/health').expect(503);
    expect(hung.body.refreshLock).toMatchObject({ ok: false, error: 'timeout' });
    lock.mode = 'fail';
    const failed = await request(app.url).get('/health').expect(503);
    expect(failed.body.refreshLock).toMatchObject({ ok: false, error: 'error' });
    expect(failed.text).not.toContain('hunter2');
    lock.mode = 'ok';
  });

  it('keeps the last provider failure, and stays ready on the metadata it has cached', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    await op.stop();
    try {
      await agent.get('/userinfo').expect(503);
    } finally {
      await op.start();
    }
    const health = await app.router.health();
    expect(health.ready).toBe(true);
    expect(health.providers.default?.lastFailure).toMatchObject({
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      endpoint: 'userinfo',
    });
    expect(Date.parse(health.providers.default?.lastFailure?.at ?? '')).toBeLessThanOrEqual(
      Date.now(),
    );
  });

  it('is off by default, and says not ready while a provider cannot be discovered', async () => {
    const gone = await startTestProvider();
    const issuer = gone.issuer;
    await gone.close();
    const other = await startTestApp({
      oauth: () => ({ issuer, clientId: 'c', clientSecret: 's', timeout: 1000 }),
    });
    try {
      await request(other.url).get('/health').expect(404);
      const health = await other.router.health();
      expect(health.ready).toBe(false);
      expect(health.providers.default).toMatchObject({
        ready: false,
        error: 'OAUTH_PROVIDER_UNAVAILABLE',
        discovery: { loaded: false },
        lastFailure: { code: 'OAUTH_PROVIDER_UNAVAILABLE', endpoint: 'discovery' },
      });
    } finally {
      await other.close();
    }
  });
});
