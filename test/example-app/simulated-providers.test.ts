/**
 * The example app with each simulated provider, end to end: the login button, the simulator's
 * login page (played by its `approve()`), the callback, the profile, the JSON API and logout.
 * Then `close()`, and server.ts stopping everything on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DemoSimulators } from '../../example-app/app.js';
import type { ApproveOptions } from '../../simulators/code-flow.js';
import { pathOf } from '../helpers/login.js';
import { HTML, startExample } from './start.js';
import type { RunningExample } from './start.js';

let running: RunningExample;
let url: string;
let demo: DemoSimulators;

beforeAll(async () => {
  running = await startExample();
  url = running.url;
  demo = running.example.demo!;
});

afterAll(async () => {
  await running.stop();
});

interface Case {
  readonly name: Exclude<keyof DemoSimulators, 'algoreg'>;
  readonly label: string;
  /** The heading of the profile: the user's name, or the email without one. */
  readonly heading: string;
  readonly sub: string;
  /** Claims of the provider's own shape, as the profile's table shows them (escaped). */
  readonly claims: Readonly<Record<string, string>>;
  readonly username: string;
  readonly password: string;
}

const CASES: readonly Case[] = [
  {
    name: 'financefeast',
    label: 'Financefeast',
    heading: 'customer@example.com',
    sub: 'ff-user-7c1e2f',
    // Financefeast's plan is an object: shown as JSON text.
    claims: {
      email: 'customer@example.com',
      plan: '<code>{&quot;name&quot;:&quot;basic&quot;,&quot;status&quot;:&quot;active&quot;}</code>',
    },
    username: 'customer',
    password: 'customer-password',
  },
  {
    name: 'alpaca',
    label: 'Alpaca',
    heading: 'Alpaca account PA3X0000001',
    // The paper account: the example uses Alpaca's paper environment.
    sub: 'b2c3d4e5-0000-4000-8000-000000000001',
    claims: { account_number: 'PA3X0000001', cash: '10000', status: 'ACTIVE' },
    username: 'trader@example.com',
    password: 'trader-password',
  },
  {
    name: 'algogene',
    label: 'ALGOGENE',
    heading: 'Alice Quant',
    sub: 'cid-alice-0001',
    claims: { cid: 'cid-alice-0001', profile_url: 'https://algogene.com/user/cid-alice-0001' },
    username: 'alice',
    password: 'alice-password',
  },
  {
    name: 'php',
    label: 'Generic OAuth 2.0 (PHP)',
    heading: 'John Doe',
    sub: 'johndoe',
    claims: { username: 'johndoe', full_name: 'John Doe', email: 'john@example.com' },
    username: 'johndoe',
    password: 'johndoe-password',
  },
];

/** A browser: the home page's button, the simulator's login page, then the callback. */
async function logIn(
  name: Exclude<keyof DemoSimulators, 'algoreg'>,
  options: ApproveOptions = {},
): Promise<{ agent: request.Agent; callback: request.Response }> {
  const agent = request.agent(url);
  const login = await agent.get(`/login/${name}?returnTo=/profile`).set('Accept', HTML);
  expect(login.status).toBe(303);
  const loginPage = new URL(login.headers.location as string);
  expect(loginPage.origin).toBe(demo[name].url);
  const back = await demo[name].approve(loginPage, options);
  expect(`${back.origin}${back.pathname}`).toBe(`${url}/callback/${name}`);
  const callback = await agent.get(pathOf(back)).set('Accept', HTML);
  return { agent, callback };
}

describe.each(CASES)('example app with the $label simulator', (c) => {
  it('shows the demo user on the simulator login page', async () => {
    const login = await request(url).get(`/login/${c.name}?returnTo=/profile`).expect(303);
    const page = await fetch(login.headers.location as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<p class="hint">Demo user: ${c.username} / ${c.password}</p>`);
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<input id="username" name="username"');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('<input id="password" name="password" type="password"');
    // The simulator's own page: a main landmark, and its name on top.
    expect(html).toContain('<main>');
    expect(html).toContain(`${c.label}</span>`);
  });

  it('logs in, shows the profile with the provider and its claims, and logs out', async () => {
    const { agent, callback } = await logIn(c.name);
    expect(callback.status).toBe(303);
    expect(callback.headers.location).toBe('/profile');

    const profile = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(profile.text).toContain(`<h1>${c.heading}</h1>`);
    expect(profile.text).toContain(
      `<dt>Signed in with</dt><dd>${c.label} <span class="muted">(<code>${c.name}</code>)</span></dd>`,
    );
    expect(profile.text).toContain(`<code>${c.sub}</code>`);
    for (const [claim, shown] of Object.entries(c.claims)) {
      expect(profile.text).toContain(
        `<tr><th scope="row"><code>${claim}</code></th><td>${shown}</td></tr>`,
      );
    }
    expect(profile.text).not.toContain('[object Object]');
    const home = await agent.get('/').set('Accept', HTML).expect(200);
    expect(home.text).toContain(`signed in with ${c.label}.`);

    const me = await agent.get('/api/me').set('Accept', 'application/json').expect(200);
    expect(me.body).toMatchObject({ sub: c.sub, provider: c.name });

    // No end-session endpoint at these providers: straight back to the app's home page.
    const logout = await agent.post('/logout').set('Origin', url).expect(303);
    expect(logout.headers.location).toBe(`${url}/`);
    await agent.get('/api/me').set('Accept', 'application/json').expect(401);
  });

  it("shows the app's error page when the user denies access", async () => {
    const { callback } = await logIn(c.name, { deny: true });
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('Sign-in cancelled');
    expect(callback.text).toContain('OAUTH_ACCESS_DENIED');
  });
});

describe('example app with simulated providers', () => {
  it("registers the app's exact redirect URIs at the simulators that whitelist them", () => {
    expect(demo.financefeast.client.redirectUris).toContain(`${url}/callback/financefeast`);
    expect(demo.alpaca.client.redirectUris).toContain(`${url}/callback/alpaca`);
    expect(demo.php.client.redirectUris).toContain(`${url}/callback/php`);
  });

  it("shows ALGOGENE's picture over the initials, which show again if it fails to load", async () => {
    const { agent } = await logIn('algogene');
    const profile = await agent.get('/profile').set('Accept', HTML).expect(200);
    expect(profile.text).toContain(
      `<span class="avatar" aria-hidden="true">AQ<img src="${demo.algogene.url}/static/avatar/cid-alice-0001.svg" alt="" data-initials="AQ" referrerpolicy="no-referrer"></span>`,
    );
    // Served by the simulator itself, and allowed by the app's CSP: nothing leaves the machine.
    const picture = await fetch(`${demo.algogene.url}/static/avatar/cid-alice-0001.svg`);
    expect(picture.headers.get('content-type')).toBe('image/svg+xml');
    expect(profile.headers['content-security-policy']).toContain(
      `img-src 'self' data: ${demo.algogene.url}`,
    );
  });

  it('closes every simulator with close()', async () => {
    const own = await startExample();
    const { financefeast, alpaca, algogene, php, algoreg } = own.example.demo!;
    const urls = [
      financefeast.discoveryEndpoint,
      alpaca.authorizationEndpoint,
      `${alpaca.liveApiUrl}/v2/account`,
      `${alpaca.paperApiUrl}/v2/account`,
      algogene.authorizationEndpoint,
      php.authorizationEndpoint,
      algoreg.meEndpoint,
    ];
    for (const target of urls) {
      expect((await fetch(target)).status).toBeLessThan(500);
    }
    await own.stop();
    for (const target of urls) {
      await expect(fetch(target)).rejects.toThrow(TypeError);
    }
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `npm start` as a child process, without OIDC_* (nor BASE_URL) from the developer's shell. */
function startServer(port: number) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(OIDC_|BASE_URL$)/.test(name)),
    ),
    PORT: String(port),
  };
  return spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'example-app/server.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

// One real process is enough: it runs the real Express, whichever major the suite aliases.
describe.skipIf(process.env.EXPRESS_PROJECT === 'express4')('example app server', () => {
  it('says in one line that the port is taken, with no banner', async () => {
    const taken = createServer();
    // Every interface, so "localhost" is taken whichever address it resolves to.
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const child = startServer(port);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `Port ${port} is already in use; start with another one, e.g. PORT=${port + 1} npm start.\n`,
      );
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('prints the demo users, serves the app and stops the simulators on SIGTERM', async () => {
    const port = await freePort();
    const child = startServer(port);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await expect
        .poll(() => stdout, { timeout: 15_000, interval: 100 })
        .toContain('  php: log in as johndoe / johndoe-password');
      expect(stdout).toContain(
        `Example app: open http://localhost:${port}/ and log in with any of these demo providers:\n` +
          '  local: log in as demo with any password\n' +
          '  financefeast: log in as customer / customer-password\n' +
          '  alpaca: log in as trader@example.com / trader-password\n' +
          '  algogene: log in as alice / alice-password\n' +
          '  php: log in as johndoe / johndoe-password\n',
      );
      const login = await fetch(`http://localhost:${port}/login/alpaca`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const simulator = new URL(login.headers.get('location') ?? '');
      expect(simulator.hostname).toBe('127.0.0.1');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
      await expect(fetch(simulator)).rejects.toThrow(TypeError);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
