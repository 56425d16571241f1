/**
 * The example app end to end, with its embedded OpenID Provider (the `local` provider): what a
 * newcomer sees in the browser, driven without one (supertest keeps the app's cookie,
 * completeLogin plays the provider's login and consent pages). The simulated providers have
 * their own file, simulated-providers.test.ts.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { bearerExample, createExampleApp, startupMessage } from '../../example-app/app.js';
import type { ExampleApp } from '../../example-app/app.js';
import { pathOf } from '../helpers/login.js';
import { completeLogin, completeLogout, CookieJar } from '../helpers/oidc-provider.js';
import type { CompleteLoginOptions } from '../helpers/oidc-provider.js';
import { HTML, startExample } from './start.js';
import type { RunningExample } from './start.js';

let running: RunningExample;
let url: string;
let example: ExampleApp;

beforeAll(async () => {
  running = await startExample();
  ({ url, example } = running);
});

afterAll(async () => {
  await running.stop();
});

/** A browser: GET /login/local, the provider's pages, then the callback with the app's cookie. */
async function logIn(
  options: CompleteLoginOptions = {},
): Promise<{ agent: request.Agent; callback: request.Response }> {
  const agent = request.agent(url);
  const login = await agent.get('/login/local?returnTo=/profile').set('Accept', HTML).expect(303);
  const authorization = new URL(login.headers.location as string);
  expect(authorization.href.startsWith(`${url}/oidc/`)).toBe(true);
  const back = await completeLogin(authorization, { account: 'demo', ...options });
  const callback = await agent.get(pathOf(back)).set('Accept', HTML);
  return { agent, callback };
}

describe('example app', () => {
  it('offers the embedded provider on the same server and the four simulators', () => {
    expect(example.baseURL).toBe(url);
    expect(example.providers).toEqual([
      {
        name: 'local',
        label: 'Local OpenID Provider',
        loginPath: '/login/local',
        demoLogin: { username: 'demo' },
        allowRule: 'Only verified @example.com addresses: eve@other.example is refused.',
      },
      {
        name: 'financefeast',
        label: 'Financefeast',
        loginPath: '/login/financefeast',
        demoLogin: { username: 'customer', password: 'customer-password' },
      },
      {
        name: 'alpaca',
        label: 'Alpaca',
        loginPath: '/login/alpaca',
        demoLogin: { username: 'trader@example.com', password: 'trader-password' },
      },
      {
        name: 'algogene',
        label: 'ALGOGENE',
        loginPath: '/login/algogene',
        demoLogin: { username: 'alice', password: 'alice-password' },
      },
      {
        name: 'php',
        label: 'Generic OAuth 2.0 (PHP)',
        loginPath: '/login/php',
        demoLogin: { username: 'johndoe', password: 'johndoe-password' },
      },
    ]);
    const demo = example.demo!;
    for (const simulator of [demo.financefeast, demo.alpaca, demo.algogene, demo.php]) {
      expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(simulator.url).not.toBe(url);
    }
  });

  it('tries a silent login once, then shows a newcomer what it is and one login button per provider', async () => {
    const browserAgent = request.agent(url);
    const first = await browserAgent.get('/').set('Accept', HTML).expect(303);
    const silent = new URL(first.headers.location as string, url);
    expect(silent.pathname).toBe('/oidc/auth');
    expect(silent.searchParams.get('prompt')).toBe('none');
    // Not signed in at the embedded provider: back home, signed out, with no error page.
    const home = await browserAgent.get('/').set('Accept', HTML).redirects(5).expect(200);
    expect((await browserAgent.get('/').set('Accept', HTML).expect(200)).text).toBe(home.text);
    expect(home.type).toBe('text/html');
    for (const provider of example.providers) {
      expect(home.text).toContain(
        `<a class="button" href="/login/${provider.name}?returnTo=/profile">Log in with ${provider.label}</a>`,
      );
    }
    expect(home.text).toContain('<kbd>demo</kbd> with any password');
    expect(home.text).toContain('<kbd>alice</kbd> / <kbd>alice-password</kbd>');
    expect(home.text).toContain('<kbd>trader@example.com</kbd> / <kbd>trader-password</kbd>');
    // What the page just did, and the local provider's allow rule, in words.
    expect(home.text).toContain('Silent login:');
    expect(home.text).toContain(
      '<span class="rule">Only verified @example.com addresses: eve@other.example is refused.</span>',
    );
    // The header's "Log in" goes to the middleware's chooser.
    expect(home.text).toContain('href="/login?returnTo=/profile"');
    expect(home.text).not.toContain('action="/logout"');
  });

  it('lists every provider at /login, keeping returnTo', async () => {
    const chooser = await request(url).get('/login?returnTo=/profile').set('Accept', HTML);
    expect(chooser.status).toBe(200);
    expect(chooser.type).toBe('text/html');
    for (const provider of example.providers) {
      expect(chooser.text).toContain(
        `href="/login/${provider.name}?returnTo=%2Fprofile">Continue with ${provider.label}</a>`,
      );
    }
    // In the app's own layout (the middleware's `pages.chooser`), under the app's CSP.
    expect(chooser.text).toContain('href="/styles.css"');
    expect(chooser.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('prints where to open it and the demo user of every provider', () => {
    expect(startupMessage(example)).toEqual([
      `Example app: open ${url}/ and log in with any of these demo providers:`,
      '  local: log in as demo with any password',
      '  financefeast: log in as customer / customer-password',
      '  alpaca: log in as trader@example.com / trader-password',
      '  algogene: log in as alice / alice-password',
      '  php: log in as johndoe / johndoe-password',
      `Algoreg, server to server (no sign-in): ${url}/algoreg`,
    ]);
  });

  it('sets a strict Content-Security-Policy and serves its stylesheet', async () => {
    const home = await request(url).get('/').expect(200);
    const csp = home.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(home.headers['x-content-type-options']).toBe('nosniff');
    expect(home.text).not.toMatch(/<script|<style|style="/);
    // Only the embedded provider has an end-session endpoint, on this origin: the logout form
    // is sent nowhere else.
    expect(csp).toMatch(/form-action 'self'(;|$)/);
    const css = await request(url).get('/styles.css').expect(200);
    expect(css.type).toBe('text/css');
  });

  it('logs in as demo and shows the profile with every claim', async () => {
    const { agent, callback } = await logIn();
    expect(callback.status).toBe(303);
    expect(callback.headers.location).toBe('/profile');
    const profile = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(profile.text).toContain('Demo User');
    expect(profile.text).toContain('demo@example.com');
    expect(profile.text).toContain(
      '<dt>Signed in with</dt><dd>Local OpenID Provider <span class="muted">(<code>local</code>)</span></dd>',
    );
    expect(profile.text).toContain('verified');
    for (const claim of ['sub', 'iss', 'email', 'preferred_username', 'given_name']) {
      expect(profile.text).toContain(`<code>${claim}</code>`);
    }
    expect(profile.text).toContain(`${url}/oidc`);
    expect(profile.text).toContain('<form class="inline" method="post" action="/logout">');
    const home = await agent.get('/').set('Accept', HTML).expect(200);
    expect(home.text).toContain('Hello, Demo User');
    expect(home.text).toContain('signed in with Local OpenID Provider');
    expect(home.text).toContain('action="/logout"');
  });

  it('answers /api/me with the user as JSON when signed in', async () => {
    const { agent } = await logIn();
    const me = await agent.get('/api/me').set('Accept', 'application/json').expect(200);
    expect(me.type).toBe('application/json');
    expect(me.body).toMatchObject({
      sub: 'demo',
      provider: 'local',
      name: 'Demo User',
      email: 'demo@example.com',
      emailVerified: true,
      claims: { sub: 'demo', iss: `${url}/oidc` },
    });
  });

  it('answers /api/me to a bearer token for the API from the embedded provider, as the start-up curl line shows', async () => {
    const line = await bearerExample(example);
    const token = /Bearer (\S+)"/.exec(line ?? '')?.[1] as string;
    expect(line).toContain(`curl -H "Authorization: Bearer ${token}" ${url}/api/me`);
    const me = await request(url)
      .get('/api/me')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(me.body).toMatchObject({ sub: 'example-api-client', provider: 'local' });
    const forged = await request(url).get('/api/me').set('Authorization', `Bearer ${token}x`);
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('answers /api/me with 401 JSON when signed out', async () => {
    const me = await request(url).get('/api/me').set('Accept', 'application/json').expect(401);
    expect(me.type).toBe('application/json');
    expect(me.body).toMatchObject({ status: 401, code: 'OAUTH_LOGIN_REQUIRED' });
  });

  it('sends a signed-out browser from /profile to log in, coming back to /profile', async () => {
    const profile = await request(url).get('/profile').set('Accept', HTML).expect(302);
    expect(profile.headers.location).toBe('/login?returnTo=%2Fprofile');
  });

  it('logs out with the form POST, at the app and at the provider', async () => {
    const { agent } = await logIn();
    const logout = await agent.post('/logout').set('Origin', url).expect(303);
    const endSession = new URL(logout.headers.location as string);
    expect(endSession.href.startsWith(`${url}/oidc/session/end`)).toBe(true);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${url}/`);
    await agent.get('/api/me').set('Accept', 'application/json').expect(401);
    const home = await agent.get('/').set('Accept', HTML).expect(200);
    expect(home.text).toContain('href="/login/local?returnTo=/profile"');
    const back = await completeLogout(endSession);
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/`);
  });

  it('refuses a logout from another site', async () => {
    const { agent } = await logIn();
    const refused = await agent
      .post('/logout')
      .set('Origin', 'https://evil.example')
      .set('Accept', HTML)
      .expect(403);
    expect(refused.text).toContain('OAUTH_CROSS_SITE_REQUEST');
    expect(refused.text).toContain('Sign-out refused');
    await agent.get('/api/me').set('Accept', 'application/json').expect(200);
  });

  it('shows its own error page, without a stack, when consent is denied', async () => {
    const { callback } = await logIn({ consent: 'deny' });
    expect(callback.status).toBe(403);
    expect(callback.type).toBe('text/html');
    expect(callback.text).toContain('OAUTH_ACCESS_DENIED');
    expect(callback.text).toContain('Sign-in cancelled');
    expect(callback.text).toContain('href="/styles.css"');
    expect(callback.text).toContain('access_denied');
    expect(callback.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
    expect(callback.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it("refuses an address outside @example.com at the embedded provider (the app's allow rule)", async () => {
    const { agent, callback } = await logIn({ account: 'eve@other.example' });
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('Sign-in not allowed');
    expect(callback.text).toContain('OAUTH_SIGN_IN_REFUSED');
    await agent.get('/api/me').set('Accept', 'application/json').expect(401);
    // An address at example.com is welcome.
    const { agent: welcome } = await logIn({ account: 'bob@example.com' });
    await welcome.get('/api/me').set('Accept', 'application/json').expect(200);
  });

  it('escapes whatever the provider says about the user', async () => {
    const { agent } = await logIn({ account: '<img src=x onerror=alert(1)>' });
    const profile = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(profile.text).not.toContain('<img src=x');
    expect(profile.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('answers unknown pages with a styled 404', async () => {
    const missing = await request(url).get('/nothing-here').set('Accept', HTML).expect(404);
    expect(missing.text).toContain('Page not found');
    expect(missing.text).toContain('href="/styles.css"');
  });
});

describe('example app configuration', () => {
  it('names the missing variable when a real provider is half configured', async () => {
    await expect(
      createExampleApp({
        port: 3000,
        env: { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'my-app' },
      }),
    ).rejects.toThrow(
      /^OIDC_CLIENT_SECRET is not set\. To use your own OpenID Provider set all of/,
    );
    await expect(
      createExampleApp({ port: 3000, env: { OIDC_CLIENT_SECRET: 's3cret' } }),
    ).rejects.toThrow(/^OIDC_ISSUER and OIDC_CLIENT_ID are not set/);
  });

  it('uses a real provider when all three variables are set, and no simulator', async () => {
    const configured = await createExampleApp({
      port: 3000,
      env: {
        OIDC_ISSUER: 'https://id.example.com',
        OIDC_CLIENT_ID: 'my-app',
        OIDC_CLIENT_SECRET: 's3cret',
        BASE_URL: 'https://app.example.com/',
      },
    });
    expect(configured.baseURL).toBe('https://app.example.com');
    expect(configured.providers).toEqual([
      { name: 'default', label: 'id.example.com', loginPath: '/login', demoLogin: undefined },
    ]);
    expect(configured.demo).toBeUndefined();
    expect(startupMessage(configured)).toEqual([
      'Example app: open https://app.example.com/ (signing in with id.example.com)',
    ]);
    const home = await request(configured.app).get('/').expect(200);
    expect(home.headers['content-security-policy']).toContain(
      "form-action 'self' https://id.example.com",
    );
    // The single-provider form: GET /login starts the login, the callback is /callback.
    expect(home.text).toContain(
      '<a class="button" href="/login?returnTo=/profile">Log in with id.example.com</a>',
    );
    expect(home.text).not.toContain('/login/');
    await configured.close();
  });
});

describe("example app's embedded provider pages", () => {
  it('renders sign-in and consent in the app style, with the demo hint and scopes in words', async () => {
    const agent = request.agent(url);
    const login = await agent.get('/login/local').set('Accept', HTML).expect(303);
    const jar = new CookieJar();
    // Follow the provider to its sign-in page, keeping its cookies.
    let next = new URL(login.headers.location as string);
    let page: Response | undefined;
    for (let hop = 0; hop < 5; hop++) {
      page = await fetch(next, { redirect: 'manual', headers: cookieHeader(jar, next) });
      jar.store(next, page.headers.getSetCookie());
      const location = page.headers.get('location');
      if (location === null) break;
      next = new URL(location, next);
    }
    expect(next.pathname).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
    const html = await page!.text();
    expect(html).toContain('<h1>Sign in</h1>');
    expect(html).toContain('Demo: sign in as <kbd>demo</kbd> with any password.');
    expect(html).toContain('href="/styles.css"');
    expect(html).not.toMatch(/DEBUG|fonts\.googleapis|<style|<script/);
    expect(page!.headers.get('content-security-policy')).toContain("script-src 'self'");

    const submitted = await fetch(next, {
      method: 'POST',
      redirect: 'manual',
      headers: cookieHeader(jar, next),
      body: new URLSearchParams({ prompt: 'login', login: 'demo', password: 'x' }),
    });
    expect(submitted.status).toBe(303);
    next = new URL(submitted.headers.get('location')!, next);
    for (let hop = 0; hop < 5; hop++) {
      page = await fetch(next, { redirect: 'manual', headers: cookieHeader(jar, next) });
      jar.store(next, page.headers.getSetCookie());
      const location = page.headers.get('location');
      if (location === null) break;
      next = new URL(location, next);
    }
    const consent = await page!.text();
    expect(consent).toContain('<h1>Allow Example app to know who you are?</h1>');
    expect(consent).toContain('See your email address, and whether it has been verified');
    expect(consent).toContain('See your name and username');
  });

  it("keeps the provider's session when the user chooses to stay signed in there", async () => {
    const jar = new CookieJar();
    const { agent } = await logIn({ jar });
    const logout = await agent.post('/logout').set('Origin', url).expect(303);
    const endSession = new URL(logout.headers.location as string);
    const confirm = await fetch(endSession, { headers: cookieHeader(jar, endSession) });
    const html = await confirm.text();
    expect(html).toContain('No, stay signed in to the provider');
    expect(html).toContain('has signed you out');
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="xsrf" value="([^"]+)"/.exec(html)!;
    const action = new URL(form[1]!.replace(/&amp;/g, '&'), endSession);
    const stay = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: cookieHeader(jar, action),
      body: new URLSearchParams({ xsrf: form[2]! }),
    });
    jar.store(action, stay.headers.getSetCookie());
    expect(stay.status).toBe(303);
    // Signed out of the app, still signed in at the provider: the next sign-in asks nothing.
    await agent.get('/api/me').set('Accept', 'application/json').expect(401);
    const again = await agent.get('/login/local').set('Accept', HTML).expect(303);
    const back = await completeLogin(new URL(again.headers.location as string), {
      account: 'nobody-types-this',
      jar,
    });
    await agent.get(pathOf(back)).set('Accept', HTML).expect(303);
    const me = await agent.get('/api/me').set('Accept', 'application/json').expect(200);
    expect(me.body.sub).toBe('demo');
  });
});

describe("example app's Algoreg page", () => {
  it('calls the API server to server with a cached token', async () => {
    const page = await request(url).get('/algoreg').set('Accept', HTML).expect(200);
    expect(page.text).toContain('<h1>Algoreg: server to server</h1>');
    await request(url).post('/algoreg/call').expect(303).expect('location', '/algoreg');
    const first = await request(url).get('/algoreg').expect(200);
    expect(first.text).toContain('1 request to the token endpoint');
    expect(first.text).toContain('&quot;email&quot;: &quot;api@acme.com&quot;');
    expect(first.text).toMatch(/Cached token issued \d+ seconds? ago/);
    await request(url).post('/algoreg/call').expect(303);
    const second = await request(url).get('/algoreg').expect(200);
    expect(second.text).toContain('no request to the token endpoint');
  });

  it('shows one refusal for a wrong password, then the cool-down, and stops after 3: never a lock-out', async () => {
    const algoreg = example.demo!.algoreg;
    const tokenRequests = algoreg.tokenRequests;
    await request(url).post('/algoreg/wrong-password').expect(303);
    const refused = await request(url).get('/algoreg').expect(200);
    expect(refused.text).toContain('OAUTH_CREDENTIALS_REJECTED');
    expect(refused.text).toContain('1 request to the token endpoint');
    expect(refused.text).toMatch(/After\s+3 refusals in a row the client stops/);
    for (let i = 0; i < 6; i++) await request(url).post('/algoreg/wrong-password').expect(303);
    const cooling = await request(url).get('/algoreg').expect(200);
    expect(cooling.text).toContain('no request to the token endpoint');
    expect(cooling.text).toMatch(/Next attempt allowed in \d+ s/);
    expect(algoreg.tokenRequests).toBe(tokenRequests + 1);

    // A day of clicks, one every ten minutes, with the clock moved rather than waited for.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let minutes = 0; minutes < 24 * 60; minutes += 10) {
        vi.setSystemTime(Date.now() + 600_000);
        await request(url).post('/algoreg/wrong-password').expect(303);
      }
    } finally {
      vi.useRealTimers();
    }
    const stopped = await request(url).get('/algoreg').expect(200);
    expect(stopped.text).toContain('refused 3 times in a row');
    expect(algoreg.tokenRequests).toBe(tokenRequests + 3);
    expect(algoreg.isLocked(algoreg.user.email)).toBe(false);
    expect(stopped.text).toContain('not locked');
  });
});

function cookieHeader(jar: CookieJar, target: URL): Record<string, string> {
  const cookie = jar.header(target);
  return cookie === undefined ? {} : { cookie };
}
