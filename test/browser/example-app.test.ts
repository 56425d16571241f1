/**
 * The example app in a real browser: headless Chromium (Debian's, through playwright-core) goes
 * through every page a newcomer meets, on a laptop (1280 px) and a phone (390 px): the home page,
 * the provider chooser, the embedded provider's sign-in, consent, sign-out ("stay signed in" and
 * "sign me out", from the app or visited directly), signed-out and error pages, the profile (with
 * a very long name), the page that requires a recent sign-in, the app's error pages (consent
 * denied, too many sign-ins at once, a refused sign-in, not found), the Algoreg page, each
 * simulator's login page and a sign-in through each simulator, and the package's own built-in
 * chooser and error pages (light and dark) on a bare app.
 *
 * Every page must, at both widths:
 * - not scroll sideways at 390 px;
 * - request nothing off the machine (every request of the browser context is recorded);
 * - break no Content-Security-Policy;
 * - pass axe-core with no serious or critical violation.
 *
 * Every page leaves screenshots in test-artifacts/browser/<project>/; the Express 5 run also
 * writes the README's screenshots to docs/images/, so they never go stale. Waits are on URLs and
 * elements, never on time.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

import type { ExampleProvider } from '../../example-app/app.js';
import { startTestApp } from '../helpers/app.js';
import { startExample } from '../example-app/start.js';
import type { RunningExample } from '../example-app/start.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';

const PROJECT = process.env.EXPRESS_PROJECT ?? 'default';
/** Per Express project: both projects run this file, possibly at the same time. */
const ARTIFACTS = fileURLToPath(
  new URL(`../../test-artifacts/browser/${PROJECT}/`, import.meta.url),
);
/** The README's screenshots: written by one project only, so two runs never race on them. */
const DOCS_IMAGES =
  PROJECT === 'express5'
    ? fileURLToPath(new URL('../../docs/images/', import.meta.url))
    : undefined;
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Each browser step, generous for a loaded CI machine; a passing run takes a few seconds. */
const STEP_TIMEOUT = 15_000;

/** A login name long enough to overflow a phone's width if anything failed to wrap. */
// At example.com, which the app's allow rule accepts for the embedded provider.
const LONG_NAME =
  'maximilian.alexander.konstantin.friedrich.wilhelm.von.uberlangername@example.com';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

describeWithChromium('example app in Chromium', () => {
  let running: RunningExample;
  let url: string;
  let local: ExampleProvider;
  let browser: Browser;
  let axeSource: string;

  beforeAll(async () => {
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    if (DOCS_IMAGES !== undefined) await mkdir(DOCS_IMAGES, { recursive: true });
    axeSource = await readFile(AXE, 'utf8');
    // No OIDC_* variables: the embedded provider (`local`) next to the simulated ones.
    running = await startExample({});
    url = running.url;
    const embedded = running.example.providers.find((provider) => provider.name === 'local');
    if (embedded === undefined) throw new Error('the example app offers no "local" provider');
    local = embedded;
    browser = await launchChromium();
  });

  /** Every page's axe-core findings of any impact, written next to the screenshots. */
  const axeReport: { page: string; violations: string[] }[] = [];

  afterAll(async () => {
    await writeFile(`${ARTIFACTS}axe-report.json`, `${JSON.stringify(axeReport, null, 2)}\n`);
    // Guarded: a failed beforeAll leaves them unset.
    await browser?.close();
    await running?.stop();
  });

  interface Visit {
    page: Page;
    /** Every URL the context requested, in order. */
    requests: string[];
    /** Console messages about the Content-Security-Policy. */
    cspErrors: string[];
    /** Problems found by `check()`, reported together at the end. */
    problems: string[];
  }

  /** A fresh context (no cookies), recording every request; nothing may leave the machine. */
  async function openVisit(baseURL: string): Promise<{ context: BrowserContext; visit: Visit }> {
    const context = await browser.newContext({ baseURL, viewport: DESKTOP });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    // Recorded above and failed below; aborted here so a machine without network never hangs.
    await context.route(
      (target) => /^(https?|wss?):$/.test(target.protocol) && !LOOPBACK.has(target.hostname),
      (route) => route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspErrors.push(message.text());
    });
    return { context, visit: { page, requests, cspErrors, problems: [] } };
  }

  /** Runs the steps in a fresh context; keeps a screenshot where it stopped; checks the rest. */
  async function inFreshContext(
    name: string,
    steps: (visit: Visit) => Promise<void>,
    baseURL = url,
  ): Promise<void> {
    const { context, visit } = await openVisit(baseURL);
    try {
      await steps(visit);
    } catch (error) {
      await visit.page
        .screenshot({ path: `${ARTIFACTS}99-${name}-failed.png`, fullPage: true })
        .catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
    const offMachine = visit.requests.filter((request) => {
      const target = URL.parse(request);
      return (
        target !== null &&
        /^(https?|wss?):$/.test(target.protocol) &&
        !LOOPBACK.has(target.hostname)
      );
    });
    expect(offMachine, 'requests off the machine').toEqual([]);
    expect(visit.cspErrors, 'Content-Security-Policy violations').toEqual([]);
    expect(visit.problems).toEqual([]);
  }

  /** axe-core's findings on the page as it is now; serious and critical ones are problems. */
  async function runAxe(visit: Visit, name: string): Promise<void> {
    const { page } = visit;
    // axe-core goes in through the DevTools protocol: an inline <script> (addScriptTag) would be
    // refused by the pages' own strict CSP, and switching the CSP off would hide real breaks.
    const loaded = await page.evaluate(() => 'axe' in globalThis);
    if (!loaded) await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      // No DOM types in this project's tsconfig: the page's globals, typed by hand.
      const { axe } = globalThis as unknown as {
        axe: { run(): Promise<{ violations: unknown[]; passes: unknown[] }> };
      };
      const { violations, passes } = await axe.run();
      return { violations, passes: passes.length };
    });
    // axe really ran (a page where it checked nothing would pass every time).
    expect(result.passes, `${name}: axe-core checked nothing`).toBeGreaterThan(5);
    const violations = result.violations as AxeViolation[];
    axeReport.push({ page: name, violations: violations.map((v) => `${v.impact}: ${v.id}`) });
    for (const violation of violations) {
      if (violation.impact === 'serious' || violation.impact === 'critical') {
        const where = violation.nodes.map((node) => node.target.join(' ')).join(', ');
        visit.problems.push(
          `${name}: axe ${violation.impact} ${violation.id} (${violation.help}) at ${where}`,
        );
      }
    }
  }

  /**
   * The checks every page gets, at both widths: axe-core (no serious or critical violation) and a
   * screenshot at each, and no sideways scrolling at 390 px. Leaves the page at desktop width.
   */
  async function check(visit: Visit, name: string, docs?: { desktop?: string; phone?: string }) {
    const { page } = visit;
    await page.waitForLoadState('load');
    await runAxe(visit, `${name} at ${DESKTOP.width} px`);
    await page.screenshot({ path: `${ARTIFACTS}${name}-desktop.png`, fullPage: true });
    if (docs?.desktop !== undefined && DOCS_IMAGES !== undefined) {
      await page.screenshot({ path: `${DOCS_IMAGES}${docs.desktop}` });
    }
    await page.setViewportSize(PHONE);
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
          .document.documentElement.scrollWidth,
    );
    if (width > PHONE.width) {
      visit.problems.push(`${name}: ${width} px wide at ${PHONE.width} px (sideways scrolling)`);
    }
    await runAxe(visit, `${name} at ${PHONE.width} px`);
    await page.screenshot({ path: `${ARTIFACTS}${name}-phone.png`, fullPage: true });
    if (docs?.phone !== undefined && DOCS_IMAGES !== undefined) {
      await page.screenshot({ path: `${DOCS_IMAGES}${docs.phone}` });
    }
    await page.setViewportSize(DESKTOP);
  }

  /**
   * The home page's button for the local provider (or the chooser's `link`), then its sign-in
   * form, filled as `login`, up to the consent page; `shot` names the sign-in page's checks.
   */
  async function signInAtProvider(
    visit: Visit,
    login: string,
    shot?: string,
    link = `Log in with ${local.label}`,
  ): Promise<void> {
    const { page } = visit;
    await page.getByRole('link', { name: link }).click();
    await page.waitForURL((target) => target.pathname.startsWith('/oidc/interaction/'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    if (shot !== undefined) await check(visit, shot);
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password').fill('any password at all');
    const signInPage = page.url();
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Sign-in and consent are both /oidc/interaction/<uid>; the uid changes between them.
    await page.waitForURL(
      (target) => target.pathname.startsWith('/oidc/interaction/') && target.href !== signInPage,
    );
    await page.getByRole('heading', { name: /^Allow / }).waitFor();
  }

  /** Waits until the browser is back at the app, and fails at once if it landed elsewhere. */
  async function backAtApp(page: Page, expected: RegExp): Promise<void> {
    await page.waitForURL(
      (target) => target.origin === url && !target.pathname.startsWith('/oidc/'),
    );
    const landed = new URL(page.url());
    if (!expected.test(landed.pathname)) {
      const text = await page
        .locator('main')
        .innerText({ timeout: 1_000 })
        .catch(() => '');
      throw new Error(`expected ${expected}, got ${landed.pathname}${landed.search}: ${text}`);
    }
  }

  /** The profile's (or home page's) "Log out", then the provider's sign-out question. */
  async function logOutToProvider(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Log out' }).last().click();
    await page.waitForURL((target) => target.pathname.startsWith('/oidc/session/end'));
    await page.getByRole('heading', { name: 'Also sign out of the provider?' }).waitFor();
  }

  /** Whether the app holds a session for this browser, asked as an API client would. */
  async function signedInAtApp(page: Page): Promise<boolean> {
    const me = await page.request.get(`${url}/api/me`, {
      headers: { Accept: 'application/json' },
    });
    return me.status() === 200;
  }

  it(
    'signs in through the embedded provider, shows the profile and the API, and signs out',
    { timeout: 90_000 },
    async () => {
      await inFreshContext('login-flow', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await page.getByRole('link', { name: `Log in with ${local.label}` }).waitFor();
        await check(visit, '01-home', { desktop: 'example-app-home.png' });

        // The header's "Log in": the middleware's chooser, in the app's layout (pages.chooser).
        await page.getByRole('link', { name: 'Log in', exact: true }).click();
        await page.waitForURL((target) => target.pathname === '/login');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await check(visit, '02-chooser', { phone: 'example-app-chooser-phone.png' });

        await page.goto('/');
        await signInAtProvider(visit, 'demo', '03-provider-sign-in');
        await check(visit, '04-provider-consent');
        expect(await page.getByText(/See your email address/).count()).toBe(1);
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/profile$/);
        await page.getByRole('heading', { name: 'Demo User' }).waitFor();
        await check(visit, '05-profile');

        const [api] = await Promise.all([
          page.waitForResponse(`${url}/api/me`),
          page.getByRole('link', { name: 'See it as JSON' }).click(),
        ]);
        expect(api.status()).toBe(200);
        expect(await api.json()).toMatchObject({ provider: local.name, sub: 'demo' });

        await page.goto('/profile');
        await logOutToProvider(page);
        await check(visit, '06-provider-sign-out');
        await page.getByRole('button', { name: 'Yes, sign me out' }).click();
        await page.waitForURL(`${url}/`);
        await page.getByRole('link', { name: `Log in with ${local.label}` }).waitFor();
        expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
        expect(await signedInAtApp(page)).toBe(false);
      });
    },
  );

  it(
    'keeps the provider session when the user stays signed in to it: signed out of the app, back in without a password, then signed out of the provider directly',
    { timeout: 60_000 },
    async () => {
      await inFreshContext('stay-signed-in', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await signInAtProvider(visit, 'demo');
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/profile$/);
        await logOutToProvider(page);
        await page.getByRole('button', { name: 'No, stay signed in to the provider' }).click();
        // Signed out of the app, as the page said, and not signed straight back in.
        await page.waitForURL(`${url}/`);
        await page.getByRole('link', { name: `Log in with ${local.label}` }).waitFor();
        expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
        expect(await signedInAtApp(page)).toBe(false);

        // Still signed in at the provider: the next sign-in asks no password. (oidc-provider
        // forgets the app's consent when the app signs out, so it asks for that again.)
        const pages: string[] = [];
        page.on('request', (request) => {
          const target = new URL(request.url());
          if (request.isNavigationRequest() && target.pathname.startsWith('/oidc/interaction/')) {
            pages.push(target.pathname);
          }
        });
        await page.getByRole('link', { name: `Log in with ${local.label}` }).click();
        await page.getByRole('heading', { name: /^Allow / }).waitFor();
        expect(pages).toHaveLength(1);
        expect(await page.getByLabel('Password').count()).toBe(0);
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/profile$/);
        await page.getByRole('heading', { name: 'Demo User' }).waitFor();

        // The provider's sign-out visited directly (no app asking): it only offers its own.
        await page.goto('/oidc/session/end');
        await page.getByRole('heading', { name: 'Sign out of the provider?' }).waitFor();
        await page.getByText('You are signed in here as demo.').waitFor();
        await check(visit, '17-provider-sign-out-direct');
        await page.getByRole('button', { name: 'Yes, sign me out' }).click();
        await page.getByRole('heading', { name: 'Signed out' }).waitFor();
        await check(visit, '18-provider-signed-out');
        // Signed out there, signed in here still: the app's session is its own.
        expect(await signedInAtApp(page)).toBe(true);
      });
    },
  );

  it(
    'wraps a very long name on every page that shows it, and sends a reloaded callback on to where the login was going',
    { timeout: 60_000 },
    async () => {
      await inFreshContext('long-name', async (visit) => {
        const { page } = visit;
        // Signed out at a protected page: the chooser, then the provider, then back there.
        await page.goto('/account/security');
        await page.waitForURL((target) => target.pathname === '/login');
        await signInAtProvider(visit, LONG_NAME, undefined, `Continue with ${local.label}`);
        await check(visit, '07-provider-consent-long-name');
        let callback = '';
        page.on('request', (request) => {
          if (new URL(request.url()).pathname.startsWith('/callback/')) callback = request.url();
        });
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/account\/security$/);
        await page.getByRole('heading', { name: 'Account security' }).waitFor();

        // The callback again, as a reload or the back button would: on to the same page.
        expect(callback).not.toBe('');
        await page.goto(callback);
        await backAtApp(page, /^\/account\/security$/);
        await page.getByRole('heading', { name: 'Account security' }).waitFor();

        await page.goto('/profile');
        await page.getByRole('heading', { name: LONG_NAME }).waitFor();
        await check(visit, '08-profile-long-name');
        await page.goto('/');
        await page.getByRole('heading', { name: `Hello, ${LONG_NAME}` }).waitFor();
        await check(visit, '09-home-long-name');
        await logOutToProvider(page);
        await page.getByText(LONG_NAME).waitFor();
        await check(visit, '10-provider-sign-out-long-name');
      });
    },
  );

  /** The sign-in time the security page shows, from its machine-readable `<time>`. */
  async function shownSignIn(page: Page): Promise<number> {
    const datetime = await page
      .locator('dt:text-is("You last signed in") + dd time')
      .getAttribute('datetime');
    if (datetime === null) throw new Error('the security page shows no sign-in time');
    return Date.parse(datetime) / 1000;
  }

  it(
    'asks for the password again on the recent sign-in page once the sign-in is too old, and comes back to it',
    { timeout: 90_000 },
    async () => {
      await inFreshContext('recent-sign-in', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await signInAtProvider(visit, 'demo');
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/profile$/);
        await page.getByRole('link', { name: 'Account security' }).click();
        await page.waitForURL(`${url}/account/security`);
        await page.getByRole('heading', { name: 'Account security' }).waitFor();
        await page.getByText('within the last minute').waitFor();
        const first = await shownSignIn(page);
        await check(visit, '11-recent-sign-in');

        // Past maxAge (60 s) plus the middleware's clock tolerance (60 s) without waiting: the
        // app and its embedded provider run in this process, and both read this Date.
        const later = first + 60 + 60 + 1;
        vi.useFakeTimers({ toFake: ['Date'], now: later * 1000 });
        try {
          await page.getByRole('link', { name: 'Security', exact: true }).click();
          // Still signed in at the provider, yet prompt=login asks for the password again.
          await page.waitForURL((target) => target.pathname.startsWith('/oidc/interaction/'));
          await page.getByRole('heading', { name: 'Sign in' }).waitFor();
          await page.getByLabel('Username').fill('demo');
          await page.getByLabel('Password').fill('any password at all');
          await page.getByRole('button', { name: 'Sign in' }).click();
          // No consent this time (granted already): straight back to the page.
          await backAtApp(page, /^\/account\/security$/);
          await page.getByRole('heading', { name: 'Account security' }).waitFor();
          expect(await shownSignIn(page)).toBe(later);
          await check(visit, '12-recent-sign-in-again');
        } finally {
          vi.useRealTimers();
        }
      });
    },
  );

  it(
    "shows the app's error pages: consent denied, and not found",
    { timeout: 60_000 },
    async () => {
      await inFreshContext('deny', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await signInAtProvider(visit, 'demo');
        await page.getByRole('link', { name: 'Deny' }).click();
        await backAtApp(page, /^\/callback(\/|$)/);
        await page.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor();
        expect(await page.getByText('OAUTH_ACCESS_DENIED', { exact: true }).isVisible()).toBe(true);
        await check(visit, '13-error-access-denied');

        await page.goto('/nothing-here');
        await page.getByRole('heading', { name: 'Page not found' }).waitFor();
        await check(visit, '14-not-found');
      });
    },
  );

  it(
    'says that too many sign-ins were started at once when the oldest was set aside',
    { timeout: 60_000 },
    async () => {
      await inFreshContext('too-many', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await page.getByRole('link', { name: `Log in with ${local.label}` }).click();
        await page.waitForURL((target) => target.pathname.startsWith('/oidc/interaction/'));
        // Five more sign-ins started in this browser (other tabs): the app keeps five pending
        // (maxTransactions), so the first one is set aside. Its provider page is still open.
        for (let i = 0; i < 5; i += 1) {
          const started = await page.request.get(`${url}/login/${local.name}?returnTo=/profile`, {
            maxRedirects: 0,
          });
          expect(started.status()).toBe(303);
        }
        await page.getByLabel('Username').fill('demo');
        await page.getByLabel('Password').fill('any password at all');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/callback(\/|$)/);
        await page.getByRole('heading', { name: 'Too many sign-ins at once' }).waitFor();
        expect(await signedInAtApp(page)).toBe(false);
        await check(visit, '15-error-too-many-sign-ins');
      });
    },
  );

  it(
    "refuses a sign-in the app's allow rule does not accept (only @example.com)",
    { timeout: 60_000 },
    async () => {
      await inFreshContext('refused', async (visit) => {
        const { page } = visit;
        await page.goto('/');
        await signInAtProvider(visit, 'eve@other.example');
        await page.getByRole('button', { name: 'Allow' }).click();
        await backAtApp(page, /^\/callback(\/|$)/);
        await page.getByRole('heading', { name: 'Sign-in not allowed' }).waitFor();
        expect(await page.getByText('OAUTH_SIGN_IN_REFUSED', { exact: true }).count()).toBe(1);
        expect(await signedInAtApp(page)).toBe(false);
        await check(visit, '16-error-sign-in-refused');
      });
    },
  );

  it("shows the embedded provider's error page", { timeout: 60_000 }, async () => {
    await inFreshContext('provider-error', async (visit) => {
      const { page } = visit;
      // An authorization request from a client the provider does not know.
      await page.goto('/oidc/auth?client_id=nobody&response_type=code&scope=openid');
      await page.getByRole('heading', { name: 'The provider could not go on' }).waitFor();
      await check(visit, '19-provider-error');
    });
  });

  it(
    'calls Algoreg server to server, and shows a wrong password refused once',
    { timeout: 60_000 },
    async () => {
      await inFreshContext('algoreg', async (visit) => {
        const { page } = visit;
        await page.goto('/algoreg');
        await page.getByRole('button', { name: 'Call the API' }).click();
        await page.getByText(/Cached token issued/).waitFor();
        await page.getByRole('button', { name: 'Call with the wrong password' }).click();
        await page.getByText('OAUTH_CREDENTIALS_REJECTED').first().waitFor();
        await page.getByRole('button', { name: 'Call with the wrong password' }).click();
        await page
          .getByText(/Next attempt allowed in/)
          .first()
          .waitFor();
        await check(visit, '20-algoreg');
      });
    },
  );

  const SIMULATED = [
    { name: 'financefeast', shot: '21' },
    { name: 'alpaca', shot: '22' },
    { name: 'algogene', shot: '23' },
    { name: 'php', shot: '24' },
  ] as const;

  it(
    'signs in through each simulator, from its login page to the profile (ALGOGENE with its picture)',
    { timeout: 90_000 },
    async () => {
      for (const { name, shot } of SIMULATED) {
        const provider = running.example.providers.find((p) => p.name === name);
        const login = provider?.demoLogin;
        if (provider === undefined || login?.password === undefined) {
          throw new Error(`the example app offers no simulated "${name}" with a demo user`);
        }
        await inFreshContext(`simulator-${name}`, async (visit) => {
          const { page } = visit;
          await page.goto('/');
          await page.getByRole('link', { name: `Log in with ${provider.label}` }).click();
          await page.waitForURL((target) => target.origin !== url);
          await page.getByText(`Demo user: ${login.username}`).waitFor();
          const icon = await page.request.get(new URL('/favicon.svg', page.url()).href);
          expect(icon.headers()['content-type']).toBe('image/svg+xml');
          await check(visit, `${shot}-simulator-${name}-login`);
          await page.getByLabel('Username').fill(login.username);
          await page.getByLabel('Password').fill(login.password as string);
          await page.getByRole('button', { name: 'Allow' }).click();
          await backAtApp(page, /^\/profile$/);
          await page.getByText(`(${name})`).waitFor();
          if (name === 'algogene') {
            // The member's picture, served by the simulator on this machine, is shown.
            const shown = await page
              .locator('.avatar img')
              .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
            expect(shown).toBeGreaterThan(0);
            await check(visit, '25-profile-algogene');
          }
        });
      }
      const appIcon = await browser.newContext().then(async (context) => {
        try {
          return (await context.request.get(`${url}/favicon.ico`)).headers()['content-type'];
        } finally {
          await context.close();
        }
      });
      expect(appIcon).toMatch(/^image\/svg\+xml/);
    },
  );

  it(
    "renders the package's built-in chooser and error pages, light and dark",
    { timeout: 60_000 },
    async () => {
      // A bare app with no CSS of its own and no `pages`: what every application gets by default.
      const bare = await startTestApp({
        oauth: () => ({
          providers: {
            corp: {
              issuer: `${url}/oidc`,
              clientId: 'bare',
              clientSecret: 'bare-secret',
              label: 'Corporate single sign-on with a rather long name',
            },
            partners: {
              issuer: `${url}/oidc`,
              clientId: 'bare',
              clientSecret: 'bare-secret',
              label: 'Partners',
            },
          },
        }),
      });
      try {
        await inFreshContext(
          'package-pages',
          async (visit) => {
            const { page } = visit;
            for (const scheme of ['light', 'dark'] as const) {
              await page.emulateMedia({ colorScheme: scheme });
              await page.goto('/login?returnTo=/me');
              await page.getByRole('heading', { name: 'Sign in' }).waitFor();
              await check(visit, `30-package-chooser-${scheme}`);

              await page.goto('/logout');
              await page
                .getByRole('heading', { name: 'This address only works from a button' })
                .waitFor();
              expect(await page.getByText('Try again').count()).toBe(0);
              await check(visit, `31-package-error-logout-${scheme}`);

              await page.goto('/callback/corp?state=unknown&code=x');
              await page.getByRole('link', { name: 'Sign in again' }).waitFor();
              await check(visit, `32-package-error-callback-${scheme}`);
            }
          },
          bare.url,
        );
      } finally {
        await bare.close();
      }
    },
  );
});
