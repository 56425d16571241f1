/**
 * The example app in a real browser: headless Chromium (Debian's, through playwright-core)
 * logs in through the embedded OpenID Provider's real login and consent pages, sees the
 * profile, calls the protected API, logs out, and is shown the app's error page when it denies
 * consent. Every step leaves a full-page screenshot in test-artifacts/browser/<project>/.
 *
 * Waits are on URLs and elements, never on time.
 */
import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { ExampleProvider } from '../../example-app/app.js';
import { startExample } from '../example-app/start.js';
import type { RunningExample } from '../example-app/start.js';
import { describeWithChromium, launchChromium } from '../helpers/chromium.js';

/** Per Express project: both projects run this file, possibly at the same time. */
const ARTIFACTS = fileURLToPath(
  new URL(
    `../../test-artifacts/browser/${process.env.EXPRESS_PROJECT ?? 'default'}/`,
    import.meta.url,
  ),
);

/** Each browser step, generous for a loaded CI machine; a passing run takes a few seconds. */
const STEP_TIMEOUT = 15_000;

describeWithChromium('example app in Chromium', () => {
  let running: RunningExample;
  let url: string;
  let local: ExampleProvider;
  let browser: Browser;

  beforeAll(async () => {
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    // No OIDC_* variables: the embedded provider (`local`) next to the simulated ones.
    running = await startExample({});
    url = running.url;
    const embedded = running.example.providers.find((provider) => provider.name === 'local');
    if (embedded === undefined) throw new Error('the example app offers no "local" provider');
    local = embedded;
    browser = await launchChromium();
  });

  afterAll(async () => {
    // Guarded: a failed beforeAll leaves them unset.
    await browser?.close();
    await running?.stop();
  });

  /**
   * A fresh browser context (no cookies from another run) and a page in it. Only the app's
   * origin is reachable: the provider's default pages @import a web font, which would hang on a
   * machine without network access and is not what the test is about.
   */
  async function openPage(): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
    const context = await browser.newContext({
      baseURL: url,
      viewport: { width: 1024, height: 768 },
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    await context.route(
      (target) => target.origin !== url,
      (route) => route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    // The app's CSP has no 'unsafe-inline'; a violation would mean a page broke its own policy.
    const cspErrors: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspErrors.push(message.text());
    });
    return { context, page, cspErrors };
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  }

  /** Runs the steps; on failure, keeps a screenshot of where it stopped. Always closes. */
  async function inFreshContext(
    failureShot: string,
    steps: (page: Page) => Promise<void>,
  ): Promise<string[]> {
    const { context, page, cspErrors } = await openPage();
    try {
      await steps(page);
      return cspErrors;
    } catch (error) {
      await screenshot(page, failureShot).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  }

  /** Home page -> the local provider's login button -> its real login form, filled as demo. */
  async function logInAtProvider(page: Page, shots: { home: string; login: string }) {
    await page.goto('/');
    const loginButton = page.getByRole('link', { name: `Log in with ${local.label}` });
    await loginButton.waitFor();
    await screenshot(page, shots.home);

    await loginButton.click();
    await page.waitForURL((target) => target.pathname.startsWith('/oidc/interaction/'));
    await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
    const loginPage = page.url();
    await page.getByPlaceholder('Enter any login').fill('demo');
    await page.getByPlaceholder('and password').fill('any password at all');
    await screenshot(page, shots.login);

    await page.getByRole('button', { name: 'Sign-in' }).click();
    // Login and consent are both /oidc/interaction/<uid>; the uid changes between them.
    await page.waitForURL(
      (target) => target.pathname.startsWith('/oidc/interaction/') && target.href !== loginPage,
    );
    await page.getByRole('heading', { name: 'Authorize' }).waitFor();
    return page.getByRole('button', { name: 'Continue' });
  }

  /**
   * Waits until the provider has sent the browser back to the app (past any redirects), and
   * fails at once, saying what the page says, when it landed anywhere but `expected`.
   */
  async function backAtApp(page: Page, expected: RegExp): Promise<URL> {
    await page.waitForURL((target) => !target.pathname.startsWith('/oidc/'));
    const landed = new URL(page.url());
    if (!expected.test(landed.pathname)) {
      throw new Error(
        `expected to land on ${expected}, got ${landed.pathname}${landed.search}: ` +
          (await mainText(page)),
      );
    }
    return landed;
  }

  /** The page's main text on one line, for failure messages. */
  async function mainText(page: Page): Promise<string> {
    const text = await page
      .locator('main')
      .innerText({ timeout: 1_000 })
      .catch(() => '');
    return text.replace(/\s+/g, ' ').trim();
  }

  it(
    'logs in through the embedded provider, shows the profile and the API, and logs out',
    { timeout: 60_000 },
    async () => {
      const cspErrors = await inFreshContext('99-login-flow-failed', async (page) => {
        const approve = await logInAtProvider(page, {
          home: '01-home',
          login: '02-provider-login',
        });
        await approve.waitFor();
        await screenshot(page, '03-provider-consent');

        await approve.click();
        await backAtApp(page, /^\/profile$/);
        await page.getByRole('heading', { name: 'Demo User' }).waitFor();
        expect(await page.getByText('demo@example.com').first().isVisible()).toBe(true);
        await screenshot(page, '04-profile');

        const [api] = await Promise.all([
          page.waitForResponse(`${url}/api/me`),
          page.getByRole('link', { name: 'See it as JSON' }).click(),
        ]);
        await page.waitForURL(`${url}/api/me`);
        expect(api.status(), await page.locator('body').innerText()).toBe(200);
        expect(api.headers()['content-type']).toMatch(/^application\/json/);
        const me: unknown = await api.json();
        expect(me).toMatchObject({
          provider: local.name,
          sub: 'demo',
          name: 'Demo User',
          email: 'demo@example.com',
          claims: { sub: 'demo', iss: `${url}/oidc` },
        });
        // What the browser shows (Chromium puts a JSON document in a <pre>) is that same JSON.
        expect(JSON.parse(await page.locator('pre').first().innerText())).toEqual(me);
        await screenshot(page, '05-api-me');

        await page.goto('/profile');
        // The navigation bar and the card both have one; either is the same form POST.
        await page.getByRole('button', { name: 'Log out' }).last().click();
        // The app redirects to the provider's end-session endpoint, which asks for confirmation
        // unless it already knows; both end on the app's home page.
        await page.waitForURL(
          (target) => target.pathname.startsWith('/oidc/session/end') || target.href === `${url}/`,
        );
        if (new URL(page.url()).pathname.startsWith('/oidc/session/end')) {
          const confirm = page.getByRole('button', { name: 'Yes, sign me out' });
          await confirm.waitFor();
          await screenshot(page, '06-provider-logout-confirmation');
          await confirm.click();
          await page.waitForURL(`${url}/`);
        }
        await page.getByRole('link', { name: `Log in with ${local.label}` }).waitFor();
        expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
        await screenshot(page, '07-logged-out-home');

        // The session is gone at the app, not only from the page.
        const after = await page.request.get('/api/me', {
          headers: { Accept: 'application/json' },
        });
        expect(after.status()).toBe(401);
      });
      expect(cspErrors).toEqual([]);
    },
  );

  it(
    "shows the app's error page with OAUTH_ACCESS_DENIED when consent is denied",
    { timeout: 60_000 },
    async () => {
      const cspErrors = await inFreshContext('99-deny-flow-failed', async (page) => {
        await logInAtProvider(page, { home: '08-deny-home', login: '09-deny-provider-login' });
        // oidc-provider's development pages abort the interaction with a "[ Cancel ]" link.
        const cancel = page.getByRole('link', { name: 'Cancel' });
        await cancel.waitFor();
        await screenshot(page, '10-deny-provider-consent');

        const [callback] = await Promise.all([
          page.waitForResponse((response) =>
            new URL(response.url()).pathname.startsWith('/callback'),
          ),
          cancel.click(),
        ]);
        await backAtApp(page, /^\/callback(\/|$)/);
        expect(callback.status(), await mainText(page)).toBe(403);
        expect(new URL(callback.url()).searchParams.get('error')).toBe('access_denied');
        await page.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor();
        expect(await page.getByText('OAUTH_ACCESS_DENIED', { exact: true }).isVisible()).toBe(true);
        await screenshot(page, '11-deny-error-page');
      });
      expect(cspErrors).toEqual([]);
    },
  );
});
