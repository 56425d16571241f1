import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { signIn, startOpenIdProvider } from '../../src/testing/index.js';
import type { OpenIdTestProvider } from '../../src/testing/index.js';
import { TEST_SECRET } from '../helpers/app.js';

let provider: OpenIdTestProvider;

beforeAll(async () => {
  provider = await startOpenIdProvider();
});

afterAll(async () => {
  await provider.close();
});

/** A MemoryStore that counts what is written to it. */
class CountingStore extends session.MemoryStore {
  writes = 0;
  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.writes += 1;
    super.set(sid, data, callback);
  }
}

function app(mount: string, store: session.Store) {
  const server = express();
  server.use(
    session({ secret: 'request-path-secret', resave: false, saveUninitialized: false, store }),
  );
  const router = oauthMiddleware({
    secret: TEST_SECRET,
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    baseURL: `http://127.0.0.1${mount === '/' ? '' : mount}`,
    logger: false,
  });
  server.use(mount, router);
  server.get(`${mount === '/' ? '' : mount}/added-by-the-app`, (_req, res) => {
    res.send('app route after the middleware');
  });
  server.get(`${mount === '/' ? '' : mount}/me`, (req, res) => {
    res.json({ sub: req.oauthUser?.sub ?? null });
  });
  return server;
}

describe('the request path', () => {
  it('writes nothing to the session store on a signed-in, read-only request', async () => {
    const store = new CountingStore();
    const agent = request.agent(app('/', store));
    await signIn(agent, provider);
    const before = store.writes;
    for (let i = 0; i < 20; i++) {
      expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    }
    expect(store.writes).toBe(before);
  });

  it('answers its own paths in any letter case and with a trailing slash, and lets every other path go on', async () => {
    const server = app('/', new session.MemoryStore());
    for (const path of ['/LOGIN', '/login/', '/Login?returnTo=%2Fx']) {
      expect((await request(server).get(path).expect(303)).headers.location).toContain(
        provider.issuer,
      );
    }
    await request(server).post('/login').expect(404);
    await request(server).get('/login/extra').expect(404);
    await request(server).get('/added-by-the-app').expect(200, 'app route after the middleware');
    await request(server).get('/elsewhere').expect(404);
  });

  it('is a plain middleware function carrying the URLs to register', () => {
    const server = express();
    const oauth = oauthMiddleware({
      secret: TEST_SECRET,
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      baseURL: 'https://app.example.com/base',
      logger: false,
    });
    server.use(oauth);
    expect(typeof oauth).toBe('function');
    expect(oauth.name).toBe('oauthMiddleware');
    expect(oauth.length).toBe(3);
    expect(oauth.redirectUris).toEqual({ default: 'https://app.example.com/base/callback' });
    expect(oauth.postLogoutRedirectUri).toBe('https://app.example.com/base/');
    expect('stack' in oauth).toBe(false);
  });

  it('sets the request context for every route when mounted under a prefix', async () => {
    const store = new session.MemoryStore();
    const agent = request.agent(app('/auth', store));
    expect((await agent.get('/auth/login').expect(303)).headers.location).toContain(
      provider.issuer,
    );
    await signIn(agent, provider, { loginPath: '/auth/login' });
    expect((await agent.get('/auth/me').expect(200)).body.sub).toBe('alice');
  });
});
