// Issue 15: the tokens live in their own store entry beside the session (`oauth-tokens:<id>`), so
// that express-session, which parses the whole session on every request, no longer pays for them.
// What must hold: one entry per sign-in, gone with the session whatever ends it, never handed to
// another sign-in, and the truth when the session's summary of it is older.
import session from 'express-session';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, clientOf, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const PREFIX = 'oauth-tokens:';

let provider: ScriptedProvider;
let app: TestApp;
const store = new session.MemoryStore();
/** MemoryStore's own record: one JSON string per key. */
const entries = (store as unknown as { sessions: Record<string, string> }).sessions;

beforeAll(async () => {
  provider = await startScriptedProvider();
  app = await startTestApp({
    store,
    oauth: () => ({ ...clientOf(provider), routes: { backchannelLogout: '/backchannel-logout' } }),
  });
});
afterAll(async () => {
  await app.close();
  await provider.close();
});
/** Deletes one key from the store, as Redis evicting it or an operator would. */
function forget(key: string): Promise<void> {
  return new Promise((resolve) => {
    store.destroy(key, () => resolve());
  });
}

beforeEach(async () => {
  provider.reset();
  provider.subject = 'alice';
  for (const key of Object.keys(entries)) await forget(key);
});
afterEach(() => {
  vi.useRealTimers();
});

async function signIn(agent: Agent = browser(app.url)): Promise<Agent> {
  await agent.get(pathOf(await authorize(provider, await startLogin(agent)))).expect(303);
  return agent;
}

async function sessionId(agent: Agent): Promise<string> {
  return ((await agent.get('/session').expect(200)).body as { id: string }).id;
}

const tokenKeys = (): string[] => Object.keys(entries).filter((key) => key.startsWith(PREFIX));

async function fingerprint(agent: Agent): Promise<string> {
  return ((await agent.get('/access-token').expect(200)).body as { fingerprint: string })
    .fingerprint;
}

describe("the tokens' own entry", () => {
  it('is one entry per sign-in, keyed by the session id, holding no token in clear', async () => {
    const agent = await signIn();
    const id = await sessionId(agent);
    expect(tokenKeys()).toEqual([`${PREFIX}${id}`]);
    const stored = JSON.parse(entries[id]!) as { oauth: Record<string, unknown> };
    expect(Object.keys(stored.oauth).sort()).toEqual(
      ['lastSeenAt', 'signedInAt', 'tokens', 'user'].sort(),
    );
  });

  it('goes with the session at logout, through the route or req.oauth.logout()', async () => {
    const routed = await signIn();
    const code = await signIn(browser(app.url));
    expect(tokenKeys()).toHaveLength(2);
    await routed.post('/logout').expect(303);
    expect(tokenKeys()).toHaveLength(1);
    await code.post('/local-logout').expect(200);
    expect(tokenKeys()).toEqual([]);
  });

  it('goes with the old session when a signed-in browser logs in again', async () => {
    const agent = await signIn();
    const first = await sessionId(agent);
    await signIn(agent);
    const second = await sessionId(agent);
    expect(second).not.toBe(first);
    expect(tokenKeys()).toEqual([`${PREFIX}${second}`]);
  });

  it('goes with the sessions a back-channel logout ends, and their tokens are revoked', async () => {
    await signIn();
    await signIn();
    expect(tokenKeys()).toHaveLength(2);
    const revocations = provider.count('/revoke');
    const logoutToken = await provider.sign({
      iss: provider.issuer,
      aud: provider.clientId,
      iat: Math.floor(Date.now() / 1000),
      jti: crypto.randomUUID(),
      events: { [EVENT]: {} },
      sub: 'alice',
    });
    await request(app.url)
      .post('/backchannel-logout')
      .type('form')
      .send({ logout_token: logoutToken })
      .expect(200);
    expect(tokenKeys()).toEqual([]);
    // Read before the entries went: each session's refresh and access token.
    expect(provider.count('/revoke') - revocations).toBe(4);
  });

  it('goes with the sign-in when a refresh is refused', async () => {
    const agent = await signIn();
    provider.script.refresh = { status: 400, body: { error: 'invalid_grant' } };
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3600 * 1000 });
    expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
    expect(tokenKeys()).toEqual([]);
  });
});

describe('a session whose tokens are gone from the store', () => {
  it('still shows the user to pages; a handler that needs a token ends the sign-in', async () => {
    const agent = await signIn();
    await forget(`${PREFIX}${await sessionId(agent)}`);
    await agent.get('/me').expect(200);
    const refused = await agent.get('/access-token').expect(401);
    expect(refused.body.code).toBe('OAUTH_LOGIN_REQUIRED');
    expect((await agent.get('/me').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
  });

  it("never hands out another sign-in's tokens put in its place", async () => {
    const alice = await signIn();
    provider.subject = 'bob';
    const bob = await signIn();
    entries[`${PREFIX}${await sessionId(alice)}`] = entries[`${PREFIX}${await sessionId(bob)}`]!;
    expect((await alice.get('/access-token').expect(401)).body.code).toBe('OAUTH_LOGIN_REQUIRED');
    await bob.get('/access-token').expect(200);
  });
});

describe("a session whose summary is older than its tokens' entry", () => {
  it('uses the renewed tokens without renewing again, and brings the summary up to date', async () => {
    const agent = await signIn();
    const id = await sessionId(agent);
    const before = entries[id]!;
    const original = await fingerprint(agent);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3600 * 1000 });
    const renewed = await fingerprint(agent);
    expect(renewed).not.toBe(original);
    const refreshes = provider.count('/token');
    // A request that read the session before the renewal saved it, and saved it late, for
    // something of its own: the session is back to the expired summary.
    entries[id] = before;
    expect(await fingerprint(agent)).toBe(renewed);
    expect(provider.count('/token')).toBe(refreshes);
    const summary = (JSON.parse(entries[id]!) as { oauth: { tokens: { expiresAt: number } } }).oauth
      .tokens;
    expect(summary.expiresAt).toBeGreaterThan(Date.now());
    // From then on a page reads the session only.
    await agent.get('/me').expect(200);
    expect(provider.count('/token')).toBe(refreshes);
  });
});
