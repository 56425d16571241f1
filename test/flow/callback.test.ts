import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider, pathOf, startLogin } from '../helpers/login.js';
import { completeLogin, startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
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
  });
  await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
});

afterAll(async () => {
  await app.close();
  await op.close();
});

describe('callback', () => {
  it('refuses a replayed callback: the transaction was consumed by the first one', async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent));
    await agent.get(pathOf(callback)).expect(303);
    op.resetCounts();
    const replay = await agent.get(pathOf(callback)).expect(400);
    expect(replay.body.code).toBe('OAUTH_NO_TRANSACTION');
    expect(op.count('/token')).toBe(0);
  });

  it('refuses a replay even when the first attempt failed', async () => {
    const agent = browser(app.url);
    const authorizationUrl = await startLogin(agent);
    await startLogin(agent); // another tab keeps a transaction pending
    const callback = await completeLogin(authorizationUrl);
    const tampered = new URL(callback);
    tampered.searchParams.set('code', 'not-the-code');
    expect((await agent.get(pathOf(tampered)).expect(400)).body.code).toBe('OAUTH_INVALID_GRANT');
    expect((await agent.get(pathOf(callback)).expect(400)).body.code).toBe('OAUTH_STATE_MISMATCH');
  });

  it('refuses a callback when no login is pending, before any token request (login CSRF)', async () => {
    const attacker = browser(app.url);
    const callback = await completeLogin(await startLogin(attacker), { account: 'bob' });
    op.resetCounts();
    const victim = browser(app.url);
    const response = await victim.get(pathOf(callback)).expect(400);
    expect(response.body).toMatchObject({ code: 'OAUTH_NO_TRANSACTION', status: 400 });
    expect(op.count('/token')).toBe(0);
    expect((await victim.get('/').expect(200)).body.signedIn).toBe(false);
  });

  it("refuses a callback whose state does not match the session's pending logins", async () => {
    const victim = browser(app.url);
    await startLogin(victim);
    const attacker = browser(app.url);
    const callback = await completeLogin(await startLogin(attacker));
    op.resetCounts();
    const response = await victim.get(pathOf(callback)).expect(400);
    expect(response.body.code).toBe('OAUTH_STATE_MISMATCH');
    expect(op.count('/token')).toBe(0);
  });

  it('refuses a callback without state', async () => {
    const agent = browser(app.url);
    await startLogin(agent);
    expect((await agent.get('/callback?code=abc').expect(400)).body.code).toBe(
      'OAUTH_STATE_MISSING',
    );
  });

  it('shows a clean 403 page for access_denied and leaves an existing session untouched', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    const sessionBefore = (await agent.get('/session')).body.id as string;
    const callback = await completeLogin(await startLogin(agent), {
      consent: 'deny',
      jar: undefined,
    });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const page = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(403);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('OAUTH_ACCESS_DENIED');
    expect(page.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect((await agent.get('/me').expect(200)).body.sub).toBe('alice');
    expect((await agent.get('/session')).body.id).toBe(sessionBefore);
  });

  it('answers access_denied as JSON to clients that ask for JSON', async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent), { consent: 'deny' });
    const response = await agent
      .get(pathOf(callback))
      .set('Accept', 'application/json')
      .expect(403);
    expect(response.body).toMatchObject({ code: 'OAUTH_ACCESS_DENIED', error: 'access_denied' });
    expect(response.body.stack).toBeUndefined();
  });

  it('does not sign anyone out for an error response carrying a foreign state', async () => {
    const agent = browser(app.url);
    await loginThroughProvider(agent);
    const idle = await agent.get('/callback?error=access_denied&state=forged').expect(400);
    expect(idle.body.code).toBe('OAUTH_NO_TRANSACTION');
    await startLogin(agent);
    const pending = await agent.get('/callback?error=access_denied&state=forged').expect(400);
    expect(pending.body.code).toBe('OAUTH_STATE_MISMATCH');
    await agent.get('/me').expect(200);
  });

  it('accepts only GET', async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent));
    const response = await agent.post(pathOf(callback)).expect(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.body.code).toBe('OAUTH_METHOD_NOT_ALLOWED');
  });

  it.each([
    ['a duplicated state', (q: URLSearchParams) => q.append('state', 'other')],
    ['a duplicated code', (q: URLSearchParams) => q.append('code', 'other')],
    ['a bracketed state', (q: URLSearchParams) => q.append('state[]', 'x')],
  ])('refuses %s before any token request', async (_name, tamper) => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent));
    tamper(callback.searchParams);
    op.resetCounts();
    const response = await agent.get(pathOf(callback)).expect(400);
    expect(response.body.code).toBe('OAUTH_INVALID_CALLBACK');
    expect(op.count('/token')).toBe(0);
  });

  it('refuses a callback that arrives after the transaction lifetime', async () => {
    const agent = browser(app.url);
    const callback = await completeLogin(await startLogin(agent));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60 * 1000 });
    try {
      const response = await agent.get(pathOf(callback)).expect(400);
      expect(response.body.code).toBe('OAUTH_TRANSACTION_EXPIRED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most five pending logins per session, dropping the oldest', async () => {
    const agent = browser(app.url);
    const first = await startLogin(agent);
    for (let i = 0; i < 5; i++) await startLogin(agent);
    const pending = (await agent.get('/session')).body.oauth.transactions as Record<
      string,
      unknown
    >;
    expect(Object.keys(pending)).toHaveLength(5);
    expect(pending[first.searchParams.get('state')!]).toBeUndefined();
    const response = await agent.get(pathOf(await completeLogin(first))).expect(400);
    expect(response.body.code).toBe('OAUTH_STATE_MISMATCH');
  });
});
