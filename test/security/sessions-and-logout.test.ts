// What a session holds and how it ends: a fresh session id at every login, nothing of the previous
// user after switching, logout only from the application itself and only to the configured URL,
// a dead cookie after logout, and no token anywhere but the session store.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize } from '../helpers/scripted-provider.js';
import {
  attemptLogin,
  expectRefusal,
  expectRefused,
  expectSignedOut,
  signIn,
  startHostile,
  storedSession,
} from './hostile-harness.js';
import type { Agent, Hostile, Response, StoredSession } from './hostile-harness.js';

let h: Hostile;

beforeAll(async () => {
  h = await startHostile({
    oauth: { fetchUserInfo: true, refreshLeeway: 600, postLogoutRedirect: '/signed-out' },
  });
});
afterAll(() => h.close());
afterEach(() => {
  vi.useRealTimers();
});
beforeEach(() => h.provider.reset());

/** The `name=value` of the session cookie a response set. */
function sessionCookie(response: Response): string {
  const cookies = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const cookie = cookies.find((c) => c.startsWith('connect.sid='));
  expect(cookie, 'the response sets the session cookie').toBeDefined();
  return cookie!.split(';')[0]!;
}

describe('session id', () => {
  it('changes the session id at login, so a session id planted before login grants nothing', async () => {
    // The attacker obtains a session id and plants it in the victim's browser (session fixation).
    // Logins write no session, so the planted one is one the application made for its own use.
    const planted = browser(h.app.url);
    const cookie = sessionCookie(await planted.get('/remember').expect(200));
    const plantedId = (await storedSession(planted)).id;
    const login = await planted.get('/login').expect(303);
    expect(String(login.headers['set-cookie'] ?? '')).not.toContain('connect.sid');
    const callback = pathOf(await authorize(h.provider, new URL(login.headers.location as string)));
    await planted.get(callback).expect(303);
    expect((await storedSession(planted)).id).not.toBe(plantedId);
    const attacker = browser(h.app.url);
    const home = await attacker.get('/').set('Cookie', cookie).expect(200);
    expect(home.body).toEqual({ signedIn: false, user: null });
    await attacker.get('/me').set('Cookie', cookie).expect(401);
  });

  it('changes the session id when a signed-in browser logs in again', async () => {
    const agent = await signIn(h);
    const first = await storedSession(agent);
    await signIn(h, agent);
    const second = await storedSession(agent);
    expect(second.id).not.toBe(first.id);
    expect(second.oauth?.tokens?.accessToken).not.toBe(first.oauth?.tokens?.accessToken);
  });
});

describe('switching user', () => {
  it('leaves nothing of the previous user in the session when another user logs in', async () => {
    const agent = await signIn(h);
    const alice = await storedSession(agent);
    h.provider.subject = 'bob';
    h.provider.claims = { name: 'Bob Example', email: 'bob@example.com' };
    await signIn(h, agent);
    const me = await agent.get('/me').expect(200);
    expect(me.body).toMatchObject({ sub: 'bob', name: 'Bob Example', email: 'bob@example.com' });
    const bob = JSON.stringify(await storedSession(agent));
    expect(bob).not.toMatch(/alice/i);
    const { accessToken, refreshToken, idToken } = alice.oauth!.tokens!;
    for (const token of [accessToken, refreshToken!, idToken!]) expect(bob).not.toContain(token);
    expect(JSON.stringify(me.body)).not.toMatch(/alice/i);
  });
});

describe('logout', () => {
  it.each([
    [
      'a GET (link or image)',
      async (a: Agent) => {
        const response = await a.get('/logout');
        expect(response.headers.allow).toBe('POST');
        return response;
      },
      405,
      'OAUTH_METHOD_NOT_ALLOWED',
    ],
    [
      'a POST with Sec-Fetch-Site: cross-site',
      (a: Agent) => a.post('/logout').set('Sec-Fetch-Site', 'cross-site'),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
    [
      'a POST with Sec-Fetch-Site: same-site',
      (a: Agent) => a.post('/logout').set('Sec-Fetch-Site', 'same-site'),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
    [
      'a form POST with a foreign Origin',
      (a: Agent) =>
        a.post('/logout').set('Origin', 'https://evil.example').type('form').send({ x: '1' }),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
    [
      'a POST with Origin: null (sandboxed frame)',
      (a: Agent) => a.post('/logout').set('Origin', 'null'),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
    [
      'a POST with a foreign Referer',
      (a: Agent) => a.post('/logout').set('Referer', 'https://evil.example/page'),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
    [
      'a POST whose Origin only looks like the app',
      (a: Agent) => a.post('/logout').set('Origin', `${h.app.url}.evil.example`),
      403,
      'OAUTH_CROSS_SITE_REQUEST',
    ],
  ] as const)('changes nothing on %s', async (_name, attack, status, code) => {
    await expectRefused(h, { status, code }, { attack: (agent) => attack(agent) });
  });

  it('leaves the old session cookie worthless after logout', async () => {
    const agent = browser(h.app.url);
    const callback = pathOf(await authorize(h.provider, await startLogin(agent)));
    const cookie = sessionCookie(await agent.get(callback).expect(303));
    await agent.get('/me').expect(200);
    await agent.post('/logout').set('Sec-Fetch-Site', 'same-origin').expect(303);
    const replay = browser(h.app.url);
    expect((await replay.get('/').set('Cookie', cookie).expect(200)).body.signedIn).toBe(false);
    for (const path of ['/me', '/access-token', '/userinfo']) {
      const response = await replay.get(path).set('Cookie', cookie);
      expectRefusal(response, { status: 401, code: 'OAUTH_LOGIN_REQUIRED' });
    }
    expect((await replay.get('/session').set('Cookie', cookie).expect(200)).body.oauth).toBeNull();
    await expectSignedOut(agent);
  });

  it('redirects only to the configured post-logout URL, whatever the request says', async () => {
    const agent = await signIn(h);
    const response = await agent
      .post(
        '/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F&returnTo=%2F%2Fevil.example',
      )
      .set({ 'Sec-Fetch-Site': 'same-origin', 'X-Forwarded-Host': 'evil.example' })
      .type('form')
      .send({ post_logout_redirect_uri: 'https://evil.example/', returnTo: '//evil.example' })
      .expect(303);
    const location = new URL(response.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(h.provider.url('/end-session'));
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${h.app.url}/signed-out`);
    expect(response.headers.location).not.toContain('evil');
    await expectSignedOut(agent);
  });

  it('sends a signed-out browser straight to the configured post-logout URL', async () => {
    const response = await browser(h.app.url)
      .post('/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F')
      .set('Sec-Fetch-Site', 'same-origin')
      .expect(303);
    expect(response.headers.location).toBe(`${h.app.url}/signed-out`);
  });
});

describe('tokens stay in the session store', () => {
  it('shows no token in any response body, URL, Location, cookie or log line across login, refresh, userinfo and logout', async () => {
    const seen: { label: string; text: string }[] = [];
    const sessions: StoredSession[] = [];
    const agent = browser(h.app.url);
    const record = (label: string, response: Response): Response => {
      const text = `${response.status}\n${JSON.stringify(response.headers)}\n${response.text}`;
      seen.push({ label, text });
      return response;
    };
    const snapshot = async (): Promise<void> => {
      sessions.push(await storedSession(agent)); // the test-only route: not searched
    };

    // Login, with a token due for refresh at once and userinfo fetched at login.
    h.provider.script.token = { set: { expires_in: 0 } };
    const login = record('GET /login', await agent.get('/login').set('Accept', 'text/html'));
    const callback = await authorize(h.provider, new URL(login.headers.location as string));
    seen.push({ label: 'callback URL', text: callback.href });
    record('GET callback', await agent.get(pathOf(callback)).set('Accept', 'text/html'));
    await snapshot();
    record('GET /', await agent.get('/'));
    // A failed refresh (logged), then a refresh that works.
    h.provider.script.refresh = { status: 503, body: 'down', times: 1 };
    record('GET /access-token (refresh fails)', await agent.get('/access-token'));
    // Past the refresh back-off, so the next request asks the provider again.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 5_000 });
    record('GET /me (refresh)', await agent.get('/me'));
    record('GET /me HTML', await agent.get('/me').set('Accept', 'text/html'));
    record('GET /access-token', await agent.get('/access-token'));
    await snapshot();
    // Userinfo, then a userinfo failure (logged).
    record('GET /userinfo', await agent.get('/userinfo'));
    h.provider.script.userinfo = { status: 500, body: { error: 'server_error' }, times: 1 };
    record('GET /userinfo (fails)', await agent.get('/userinfo'));
    // An error page for a forged callback, as a browser sees it.
    record(
      'GET forged callback',
      await agent.get('/callback?code=forged&state=forged').set('Accept', 'text/html'),
    );
    await snapshot();
    const logout = record(
      'POST /logout',
      await agent.post('/logout').set('Sec-Fetch-Site', 'same-origin').set('Accept', 'text/html'),
    );
    record('GET / after logout', await agent.get('/'));

    const tokens = new Set<string>();
    for (const session of sessions) {
      const { accessToken, refreshToken, idToken } = session.oauth!.tokens!;
      for (const token of [accessToken, refreshToken, idToken]) {
        if (token === undefined) continue;
        tokens.add(token);
        // A JWT leaks by its signature too, even if cut or re-encoded around it.
        if (token.split('.').length === 3) tokens.add(token.split('.')[2]!);
      }
    }
    expect(tokens.size).toBeGreaterThanOrEqual(6); // two access and refresh tokens at least, an ID token
    expect(h.app.logs.length, 'the cycle made the middleware log something').toBeGreaterThan(0);

    // The one sanctioned place for the ID token: id_token_hint at the provider's end-session
    // endpoint (OpenID Connect RP-Initiated Logout 1.0), which is then taken out of the search.
    const endSession = new URL(logout.headers.location as string);
    expect(`${endSession.origin}${endSession.pathname}`).toBe(h.provider.url('/end-session'));
    const hint = endSession.searchParams.get('id_token_hint');
    const searched = seen.map(({ label, text }) =>
      label === 'POST /logout' && hint !== null ? text.split(hint).join('<hint>') : text,
    );

    const leaks: string[] = [];
    for (const text of [...searched, ...h.app.logs]) {
      let decoded = text;
      try {
        decoded = decodeURIComponent(text);
      } catch {
        // Not URL-encoded: searched as it is.
      }
      for (const token of tokens) {
        if (text.includes(token) || decoded.includes(token)) {
          leaks.push(`${token.slice(0, 12)}… in: ${text.slice(0, 120)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    await expectSignedOut(agent);
    // The honest login still works after the whole cycle.
    expect((await attemptLogin(h, browser(h.app.url))).status).toBe(303);
  });
});
