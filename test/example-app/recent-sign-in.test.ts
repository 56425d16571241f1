/**
 * The example app's "requires recent sign-in" page (/account/security, issue 10's step-up),
 * without a browser: supertest keeps the app's cookie, completeLogin plays the embedded
 * provider's pages with a kept provider cookie (so the provider's own session is there, and
 * only prompt=login makes it ask again). Time moves with fake timers for Date only, which the
 * app and the embedded provider, both in this process, read alike; the threshold comes from
 * EXAMPLE_RECENT_SIGN_IN_SECONDS.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { createExampleApp } from '../../example-app/app.js';
import type { DemoSimulators } from '../../example-app/app.js';
import { pathOf } from '../helpers/login.js';
import { completeLogin, CookieJar } from '../helpers/oidc-provider.js';
import { HTML, startExample } from './start.js';
import type { RunningExample } from './start.js';

/** Small, so the page says it in seconds; the middleware adds its 60 s clock tolerance. */
const MAX_AGE = 30;
const TOLERANCE = 60;

let running: RunningExample;
let url: string;
let demo: DemoSimulators;

beforeAll(async () => {
  running = await startExample({ EXAMPLE_RECENT_SIGN_IN_SECONDS: String(MAX_AGE) });
  url = running.url;
  demo = running.example.demo!;
});

afterAll(async () => {
  await running.stop();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Signs in as demo at the embedded provider, keeping the provider's cookies in `jar`. */
async function signIn(jar: CookieJar): Promise<request.Agent> {
  const agent = request.agent(url);
  const login = await agent.get('/login/local?returnTo=/profile').set('Accept', HTML).expect(303);
  const back = await completeLogin(new URL(login.headers.location as string), {
    account: 'demo',
    jar,
  });
  await agent.get(pathOf(back)).set('Accept', HTML).expect(303);
  return agent;
}

/** The sign-in time the page shows, from its machine-readable `<time>`. */
function shownSignIn(html: string): number {
  const match = /<dt>You last signed in<\/dt><dd><time datetime="([^"]+)">/.exec(html);
  if (match === null) throw new Error(`no sign-in time on the page: ${html.slice(0, 300)}`);
  return Date.parse(match[1]!) / 1000;
}

function setNow(epochSeconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: epochSeconds * 1000 });
}

describe('the recent sign-in page', () => {
  it('sends a signed-out browser to log in, coming back to the page', async () => {
    const page = await request(url).get('/account/security').set('Accept', HTML).expect(302);
    expect(page.headers.location).toBe('/login?returnTo=%2Faccount%2Fsecurity');
  });

  it('shows a fresh sign-in with its time and the rule in words, linked from the profile', async () => {
    const agent = await signIn(new CookieJar());
    const page = await agent.get('/account/security').set('Accept', HTML).expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const me = await agent.get('/api/me').set('Accept', 'application/json').expect(200);
    const authTime = me.body.claims.auth_time as number;
    expect(typeof authTime).toBe('number');
    expect(shownSignIn(page.text)).toBe(authTime);
    expect(page.text).toContain('<h1>Account security</h1>');
    expect(page.text).toContain('asks for a recent sign-in: within the last 30 seconds.');
    expect(page.text).toContain('sends you back to Local OpenID Provider to enter your password');
    expect(page.text).toContain(
      `<dt>Counts as recent until</dt><dd><time datetime="${new Date((authTime + MAX_AGE + TOLERANCE) * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}">`,
    );
    expect(page.text).toContain('(30 seconds, plus 1 minute allowed for clocks that disagree)');
    expect(page.text).toContain('<code>requireAuth({ maxAge: 30 })</code>');
    // The embedded provider takes any password: it claims no level, and the page says so.
    expect(me.body.claims.acr).toBeUndefined();
    expect(page.text).toContain('<span class="muted">not stated by Local OpenID Provider</span>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const profile = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(profile.text).toContain('href="/account/security">Account security</a>');
    expect(profile.text).toContain('<a href="/account/security">Security</a>');
  });

  it('asks the provider for a new sign-in once the old one is past max_age plus the tolerance, and comes back', async () => {
    const jar = new CookieJar();
    const agent = await signIn(jar);
    const first = shownSignIn(
      (await agent.get('/account/security').set('Accept', HTML).expect(200)).text,
    );

    // Exactly at the limit the sign-in still counts.
    setNow(first + MAX_AGE + TOLERANCE);
    await agent.get('/account/security').set('Accept', HTML).expect(200);

    // One second later: API clients get the RFC 9470 challenge, browsers go to the provider.
    setNow(first + MAX_AGE + TOLERANCE + 1);
    const api = await agent.get('/account/security').set('Accept', 'application/json').expect(401);
    expect(api.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="a stronger or more recent authentication is required", max_age=30',
    );
    const stale = await agent.get('/account/security').set('Accept', HTML).expect(303);
    const authorization = new URL(stale.headers.location as string);
    expect(`${authorization.origin}${authorization.pathname}`).toBe(`${url}/oidc/auth`);
    expect(authorization.searchParams.get('max_age')).toBe(String(MAX_AGE));
    expect(authorization.searchParams.get('prompt')).toBe('login');

    // The provider's session is still there (the jar), yet prompt=login asks for the password.
    const back = await completeLogin(authorization, { account: 'demo', jar });
    const callback = await agent.get(pathOf(back)).set('Accept', HTML).expect(303);
    expect(callback.headers.location).toBe('/account/security');
    const again = await agent.get('/account/security').set('Accept', HTML).expect(200);
    expect(shownSignIn(again.text)).toBe(first + MAX_AGE + TOLERANCE + 1);
  });

  it('refuses a sign-in that cannot say when it happened (plain OAuth 2.0), with a way out', async () => {
    const agent = request.agent(url);
    const login = await agent.get('/login/php?returnTo=/profile').set('Accept', HTML).expect(303);
    const back = await demo.php.approve(new URL(login.headers.location as string));
    await agent.get(pathOf(back)).set('Accept', HTML).expect(303);
    const page = await agent.get('/account/security').set('Accept', HTML).expect(403);
    expect(page.text).toContain('Recent sign-in not available');
    expect(page.text).toContain('only an OpenID Connect provider says when you signed in');
    expect(page.text).toContain(
      'href="/login/local?returnTo=%2Faccount%2Fsecurity">Sign in with Local OpenID Provider</a>',
    );
    // Refused without a trip to the simulator: it could never deliver auth_time.
    expect(page.headers.location).toBeUndefined();
  });
});

describe('EXAMPLE_RECENT_SIGN_IN_SECONDS', () => {
  it.each(['0', '-5', '1.5', 'ten', '86401'])('refuses %j, naming the variable', async (value) => {
    await expect(
      createExampleApp({
        port: 3000,
        env: {
          OIDC_ISSUER: 'https://id.example.com',
          OIDC_CLIENT_ID: 'my-app',
          OIDC_CLIENT_SECRET: 's3cret',
          EXAMPLE_RECENT_SIGN_IN_SECONDS: value,
        },
      }),
    ).rejects.toThrow(
      `EXAMPLE_RECENT_SIGN_IN_SECONDS must be a whole number of seconds from 1 to 86400, got "${value}".`,
    );
  });
});
