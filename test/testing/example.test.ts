// The complete example of the README's "Testing your app" section, run as written: an
// application's own test suite, using only what express-oauth-rp/testing exports.
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware, requireAuth } from 'express-oauth-rp';
import { signIn, startOpenIdProvider } from 'express-oauth-rp/testing';
import type { OpenIdTestProvider } from 'express-oauth-rp/testing';

function createApp(oauth: { issuer: string; clientId: string; clientSecret: string }) {
  const app = express();
  const secret = 'a-random-secret-of-at-least-32-characters';
  app.use(session({ secret, resave: false, saveUninitialized: false }));
  app.use(oauthMiddleware({ ...oauth, secret, baseURL: 'http://127.0.0.1', logger: false }));
  app.get('/me', requireAuth(), (req, res) => {
    res.json(req.oauthUser);
  });
  app.get('/admin', requireAuth({ claims: { role: 'admin' } }), (_req, res) => {
    res.send('welcome');
  });
  return app;
}

describe('my app', () => {
  let provider: OpenIdTestProvider;
  let app: express.Express;

  beforeAll(async () => {
    provider = await startOpenIdProvider();
    app = createApp({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    });
  });

  afterAll(async () => {
    await provider.close();
  });

  it('shows the signed-in user', async () => {
    const agent = request.agent(app);
    await signIn(agent, provider, { user: 'alice', claims: { name: 'Alice' } });
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ sub: 'alice', name: 'Alice' });
  });

  it('lets admins in and keeps others out', async () => {
    const admin = request.agent(app);
    await signIn(admin, provider, { user: 'root', claims: { role: 'admin' } });
    await admin.get('/admin').expect(200);
    const user = request.agent(app);
    await signIn(user, provider, { user: 'bob' });
    await user.get('/admin').expect(403);
  });

  it('handles a provider that refuses the login', async () => {
    provider.script.authorize = { set: { error: 'access_denied', code: undefined }, times: 1 };
    const agent = request.agent(app);
    await expect(signIn(agent, provider)).rejects.toThrow('the callback answered 403');
    await agent.get('/me').expect(401);
  });

  it('returns to where the login started', async () => {
    const agent = request.agent(app);
    expect(await signIn(agent, provider, { loginPath: '/login?returnTo=/admin' })).toBe('/admin');
  });
});
