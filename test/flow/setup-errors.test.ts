import { describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { startOpenIdProvider } from '../../src/testing/index.js';
import { clientOf } from '../helpers/scripted-provider.js';
import { browser } from '../helpers/login.js';
import { startTestApp, TEST_SECRET } from '../helpers/app.js';

describe('a missing express-session', () => {
  it('is reported with the line to add, never as a crash', async () => {
    const app = await startTestApp({
      session: false,
      oauth: () => ({ issuer: 'http://127.0.0.1:9', clientId: 'client', clientSecret: 'secret' }),
    });
    try {
      const response = await browser(app.url).get('/login').expect(500);
      expect(response.body.code).toBe('OAUTH_SESSION_MISSING');
      expect(response.body.message).toContain(
        'oauthMiddleware() requires express-session; add app.use(session(',
      );
      const page = await browser(app.url).get('/').set('Accept', 'text/html').expect(500);
      expect(page.text).toContain('requires express-session');
    } finally {
      await app.close();
    }
  });
});

describe('routes', () => {
  it('can be renamed and turned off', async () => {
    const app = await startTestApp({
      oauth: () => ({
        issuer: 'http://127.0.0.1:9',
        clientId: 'client',
        clientSecret: 'secret',
        routes: { login: '/auth/sign-in', callback: '/auth/return', logout: false },
        timeout: 200,
      }),
    });
    try {
      const agent = browser(app.url);
      // Nothing listens on port 9: the renamed login route runs, and fails cleanly.
      expect((await agent.get('/auth/sign-in').expect(503)).body.code).toBe(
        'OAUTH_PROVIDER_UNAVAILABLE',
      );
      expect((await agent.get('/auth/return?state=x').expect(400)).body.code).toBe(
        'OAUTH_NO_TRANSACTION',
      );
      await agent.get('/login').expect(404);
      await agent.post('/logout').expect(404);
      const guard = await agent.get('/me').set('Accept', 'text/html').expect(302);
      expect(guard.headers.location).toBe('/auth/sign-in?returnTo=%2Fme');
    } finally {
      await app.close();
    }
  });

  it('honour a path prefix in baseURL for redirects', async () => {
    const app = await startTestApp({
      oauth: (url) => ({
        issuer: 'http://127.0.0.1:9',
        clientId: 'c',
        clientSecret: 's',
        baseURL: `${url}/app`,
      }),
    });
    try {
      const guard = await browser(app.url).get('/me').set('Accept', 'text/html').expect(302);
      expect(guard.headers.location).toBe('/app/login?returnTo=%2Fme');
    } finally {
      await app.close();
    }
  });
});

describe('router.ready()', () => {
  it('discovers the provider at start-up, and reports one that cannot be reached', async () => {
    const provider = await startOpenIdProvider();
    try {
      const up = oauthMiddleware({
        secret: TEST_SECRET,
        ...clientOf(provider),
        baseURL: 'http://127.0.0.1',
        logger: false,
      });
      await expect(up.ready()).resolves.toBeUndefined();
      expect(provider.count('/.well-known/openid-configuration')).toBe(1);
      const down = oauthMiddleware({
        secret: TEST_SECRET,
        issuer: 'http://127.0.0.1:9',
        clientId: 'c',
        clientSecret: 's',
        baseURL: 'http://127.0.0.1',
        timeout: 500,
        logger: false,
      });
      await expect(down.ready()).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_UNAVAILABLE' });
    } finally {
      await provider.close();
    }
  });
});
