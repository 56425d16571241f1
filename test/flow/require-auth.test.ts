import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

let op: TestProvider;
let app: TestApp;

beforeAll(async () => {
  op = await startTestProvider();
  app = await startTestApp({
    oauth: () => ({
      issuer: op.issuer,
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
    }),
    routes: (server) => {
      const ok = (_req: express.Request, res: express.Response): void => {
        res.json({ ok: true });
      };
      server.get('/needs-email-scope', requireAuth({ scopes: 'openid email' }), ok);
      server.get('/needs-admin-scope', requireAuth({ scopes: ['openid', 'admin'] }), ok);
      server.get('/needs-verified-email', requireAuth({ claims: { email_verified: true } }), ok);
      server.get('/needs-alice', requireAuth({ check: (user) => user.sub === 'alice' }), ok);
      server.get(
        '/needs-async-check',
        requireAuth({
          check: async (user) => Promise.resolve(user.email?.endsWith('@example.com') ?? false),
        }),
        ok,
      );
      server.post('/api/orders', requireAuth(), ok);
      server.get('/api/profile', requireAuth({ redirect: false }), ok);
    },
  });
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

describe('requireAuth', () => {
  it('redirects a browser asking for HTML to login, with returnTo set to where it was going', async () => {
    const response = await browser(app.url)
      .get('/me?tab=2')
      .set('Accept', 'text/html,*/*;q=0.8')
      .expect(302);
    expect(response.headers.location).toBe('/login?returnTo=%2Fme%3Ftab%3D2');
  });

  it('answers 401 JSON to API clients', async () => {
    const response = await browser(app.url)
      .get('/me')
      .set('Accept', 'application/json')
      .expect(401);
    expect(response.body).toMatchObject({ code: 'OAUTH_LOGIN_REQUIRED', status: 401 });
  });

  it('answers 401 to a browser too on routes guarded with redirect: false', async () => {
    const response = await browser(app.url)
      .get('/api/profile')
      .set('Accept', 'text/html')
      .expect(401);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('answers 401 to a POST even from a browser, since a redirect would drop its body', async () => {
    await browser(app.url).post('/api/orders').set('Accept', 'text/html').expect(401);
  });

  it('lands on the originally requested page after the login it triggered', async () => {
    const agent = browser(app.url);
    const guard = await agent.get('/me').set('Accept', 'text/html').expect(302);
    const callback = await loginThroughProvider(agent, {
      loginPath: guard.headers.location as string,
    });
    expect(callback.headers.location).toBe('/me');
  });

  describe('with a signed-in user', () => {
    let alice: ReturnType<typeof browser>;
    let bob: ReturnType<typeof browser>;

    beforeAll(async () => {
      alice = browser(app.url);
      await loginThroughProvider(alice, { account: 'alice' });
      bob = browser(app.url);
      await loginThroughProvider(bob, { account: 'bob' });
    });

    it('passes when every required scope was granted', async () => {
      await alice.get('/needs-email-scope').expect(200);
    });

    it('answers 403 naming the missing scope', async () => {
      const response = await alice.get('/needs-admin-scope').expect(403);
      expect(response.body.code).toBe('OAUTH_FORBIDDEN');
      expect(response.body.message).toContain('"admin"');
    });

    it('checks a claim value', async () => {
      await alice.get('/needs-verified-email').expect(200);
      expect((await bob.get('/needs-verified-email').expect(403)).body.code).toBe(
        'OAUTH_FORBIDDEN',
      );
    });

    it('runs a predicate, sync or async', async () => {
      await alice.get('/needs-alice').expect(200);
      await bob.get('/needs-alice').expect(403);
      await bob.get('/needs-async-check').expect(200);
    });
  });

  it('rejects mistyped options at creation with a hint', () => {
    expect(() => requireAuth({ scope: 'x' } as never)).toThrow(
      'unknown requireAuth() option "scope"; did you mean "scopes"?',
    );
    expect(() => requireAuth({ check: 'yes' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it('says that oauthMiddleware() is missing when it was not mounted', async () => {
    const bare = express();
    bare.get('/me', requireAuth(), (_req, res) => {
      res.json({});
    });
    const response = await request(bare).get('/me').expect(500);
    expect(response.body.message).toBe(
      'requireAuth() needs oauthMiddleware() mounted before it, on the same app',
    );
  });
});
