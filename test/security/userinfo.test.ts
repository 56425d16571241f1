// The userinfo endpoint lies about who the user is, fails, or points at claims hosted elsewhere.
// At login (fetchUserInfo: true) a lie must stop the sign-in; later (the /userinfo route) it must
// end the session when the user is no longer provably the same, and keep it otherwise.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { browser } from '../helpers/login.js';
import type { UserinfoScript } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  expectRefusal,
  expectRefused,
  expectSignedOut,
  expectUntouched,
  HOSTILE_TIMEOUT,
  signIn,
  startHostile,
  storedSession,
} from './hostile-harness.js';
import type { Hostile, Refusal } from './hostile-harness.js';

let h: Hostile;
let elsewhere: Server;
let elsewhereUrl: string;
const received: string[] = [];

beforeAll(async () => {
  h = await startHostile({ oauth: { fetchUserInfo: true, ...HOSTILE_TIMEOUT } });
  elsewhere = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/jwt' }).end('x.y.z');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
  await new Promise<void>((resolve) => {
    elsewhere.closeAllConnections();
    elsewhere.close(() => resolve());
  });
});
beforeEach(() => {
  h.provider.reset();
  received.length = 0;
});

const hostile: [string, UserinfoScript, Refusal][] = [
  [
    'a sub that differs from the ID token',
    { set: { sub: 'mallory' } },
    { status: 401, code: 'OAUTH_SUBJECT_MISMATCH' },
  ],
  ['a missing sub', { set: { sub: undefined } }, { status: 502, code: 'OAUTH_INVALID_RESPONSE' }],
  [
    'a 401',
    {
      status: 401,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      body: { error: 'invalid_token' },
    },
    { status: 401, code: 'OAUTH_LOGIN_REQUIRED' },
  ],
  [
    'a 500',
    { status: 500, body: { error: 'server_error' } },
    { status: 503, code: 'OAUTH_PROVIDER_UNAVAILABLE' },
  ],
  [
    'an HTML page',
    { headers: { 'content-type': 'text/html' }, body: '<html>hi</html>' },
    { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  ],
  ['no answer in time', { hang: true }, { status: 504, code: 'OAUTH_PROVIDER_TIMEOUT' }],
];

/** Whether a refused userinfo call must end the session (the user is no longer provably the same). */
const ENDS_SESSION = new Set(['OAUTH_SUBJECT_MISMATCH', 'OAUTH_LOGIN_REQUIRED']);

describe('userinfo at login', () => {
  it.each(hostile)('refuses the login when userinfo gives %s', async (_name, script, refusal) => {
    await expectRefused(h, refusal, {
      arrange: () => {
        h.provider.script.userinfo = script;
      },
    });
  });
});

describe('userinfo for a signed-in user', () => {
  it.each(hostile)(
    'refuses a later userinfo call that gives %s',
    async (_name, script, refusal) => {
      const agent = await signIn(h);
      const before = await storedSession(agent);
      h.provider.script.userinfo = script;
      expectRefusal(await agent.get('/userinfo'), refusal);
      h.provider.script = {};
      if (ENDS_SESSION.has(refusal.code)) {
        await expectSignedOut(agent);
        expect((await storedSession(agent)).oauth?.tokens).toBeUndefined();
      } else {
        await expectUntouched(agent, before);
        await agent.get('/userinfo').expect(200);
      }
      await signIn(h);
    },
  );
});

describe('aggregated and distributed claims', () => {
  it.each(['aggregated', 'distributed'] as const)(
    'never fetches %s claim sources, at login or later',
    async (claimSources) => {
      h.provider.script.userinfo = { claimSources };
      const agent = browser(h.app.url);
      expect((await attemptLogin(h, agent)).status).toBe(303);
      await agent.get('/userinfo').expect(200);
      expect(h.provider.count('/distributed')).toBe(0);
    },
  );

  it('never fetches a distributed claim source on another host', async () => {
    h.provider.script.userinfo = {
      body: (honest) => ({
        sub: honest.sub!,
        _claim_names: { email: 'src1', role: 'src1' },
        _claim_sources: { src1: { endpoint: `${elsewhereUrl}/claims`, access_token: 'x' } },
      }),
    };
    const agent = browser(h.app.url);
    expect((await attemptLogin(h, agent)).status).toBe(303);
    await agent.get('/userinfo').expect(200);
    const me = await agent.get('/me').expect(200);
    expect(me.body.claims.role).toBeUndefined();
    expect(received).toEqual([]);
  });
});

describe('claim-source references', () => {
  it('keeps unfetched claim-source references and their access tokens out of req.oauthUser', async () => {
    h.provider.script.userinfo = { claimSources: 'distributed' };
    const agent = browser(h.app.url);
    expect((await attemptLogin(h, agent)).status).toBe(303);
    const me = await agent.get('/me').expect(200);
    expect(me.body.claims).not.toHaveProperty('_claim_names');
    expect(me.body.claims).not.toHaveProperty('_claim_sources');
  });
});
