// Session lifetimes on top of express-session's cookie: absoluteDuration since the sign-in
// (whatever refreshes happened, capped by the provider's session_expiry) and idleDuration since
// the last request, enforced by requireAuth() and req.oauth alike. Date is faked; I/O is real.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OAuthLogoutEvent } from '../../src/index.js';
import { withTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider({ accessTokenTtl: 600 });
});
afterAll(async () => {
  await provider.close();
});
beforeEach(() => provider.reset());
afterEach(() => {
  vi.useRealTimers();
});

function advanceClock(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + seconds * 1000 });
}

function withApp(
  extra: { absoluteDuration?: number; idleDuration?: number | false },
  test: (app: TestApp, events: OAuthLogoutEvent[]) => Promise<void>,
): Promise<void> {
  const events: OAuthLogoutEvent[] = [];
  return withTestApp(
    {
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        onLogout: (event) => {
          events.push(event);
        },
        ...extra,
      }),
    },
    (app) => test(app, events),
  );
}

async function signIn(app: TestApp) {
  const agent = browser(app.url);
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

describe('absoluteDuration', () => {
  it('ends the sign-in after it, whatever refreshes happened, and revokes its tokens', async () => {
    await withApp({ absoluteDuration: 3600 }, async (app, events) => {
      const agent = await signIn(app);
      advanceClock(1000);
      await agent.get('/me').expect(200);
      expect(provider.count('/token')).toBe(2);
      advanceClock(2000);
      await agent.get('/access-token').expect(200);
      const revocations = provider.count('/revoke');
      advanceClock(700);
      expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
      expect((await agent.get('/session').expect(200)).body.oauth.tokens).toBeUndefined();
      expect(provider.count('/revoke') - revocations).toBe(2);
      expect(events).toEqual([
        expect.objectContaining({ reason: 'lifetime', provider: 'default' }),
      ]);
    });
  });

  it("is capped by the provider's session_expiry", async () => {
    provider.claims = { session_expiry: Math.floor(Date.now() / 1000) + 120 };
    await withApp({}, async (app) => {
      const agent = await signIn(app);
      advanceClock(100);
      await agent.get('/me').expect(200);
      advanceClock(30);
      await agent.get('/me').expect(401);
      expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
    });
  });

  it('defaults to seven days', async () => {
    await withApp({}, async (app) => {
      const agent = await signIn(app);
      advanceClock(7 * 24 * 3600 - 60);
      await agent.get('/me').expect(200);
      advanceClock(120);
      await agent.get('/me').expect(401);
    });
  });

  it('ends a sign-in whose start time is missing, which proves no age', async () => {
    await withTestApp(
      {
        oauth: () => ({
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
        }),
        // A session written by something else than the callback: no recorded start.
        routes: (express) => {
          express.post('/forget-start', (req, res) => {
            const { signedInAt: _start, ...rest } = req.session.oauth ?? {};
            req.session.oauth = rest;
            res.json({});
          });
        },
      },
      async (app) => {
        const agent = await signIn(app);
        await agent.get('/me').expect(200);
        await agent.post('/forget-start').expect(200);
        expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
      },
    );
  });
});

describe('idleDuration', () => {
  it('ends a sign-in left idle longer than it, and keeps an active one', async () => {
    await withApp({ idleDuration: 300 }, async (app) => {
      const agent = await signIn(app);
      for (let i = 0; i < 3; i++) {
        advanceClock(250);
        await agent.get('/me').expect(200);
      }
      advanceClock(301);
      expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
      expect((await agent.get('/').expect(200)).body.signedIn).toBe(false);
    });
  });

  it('records the time of a request at most once per tenth of it', async () => {
    await withApp({ idleDuration: 600 }, async (app) => {
      const agent = await signIn(app);
      const seen = async () => (await agent.get('/session').expect(200)).body.oauth.lastSeenAt;
      const first = await seen();
      advanceClock(30);
      await agent.get('/me').expect(200);
      expect(await seen()).toBe(first);
      advanceClock(61);
      await agent.get('/me').expect(200);
      expect(await seen()).toBeGreaterThan(first);
    });
  });

  it('is off by default', async () => {
    await withApp({}, async (app) => {
      const agent = await signIn(app);
      advanceClock(24 * 3600);
      await agent.get('/me').expect(200);
    });
  });
});
