/**
 * The package's own pages (the provider chooser and the error page): the built-in design under
 * its own CSP, and the `pages` option through which an application renders them itself.
 */
import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import type {
  OAuthChooserPageContext,
  OAuthErrorPageContext,
  OAuthMiddlewareOptions,
} from '../../src/index.js';
import { startTestApp, TEST_SECRET } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser } from '../helpers/login.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const HTML = 'text/html';
let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider();
});

afterAll(async () => {
  await provider.close();
});

function twoProviders() {
  const corp = {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
  };
  return {
    corp: { ...corp, label: 'Corp <SSO>' },
    other: { ...corp, label: 'Other' },
  };
}

describe('built-in pages', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ oauth: () => ({ providers: twoProviders() }) });
  });
  afterAll(async () => {
    await app.close();
  });

  it('styles the chooser for light and dark mode under a CSP that allows only its own style', async () => {
    const page = await browser(app.url).get('/login').set('Accept', HTML).expect(200);
    expect(page.text).toContain(
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
    );
    expect(page.text).toContain('prefers-color-scheme:dark');
    expect(page.text).not.toMatch(/<script|<link rel="stylesheet"|https?:\/\/(?!www\.w3\.org)/);
    const csp = page.headers['content-security-policy'] as string;
    const style = /<style>(.*?)<\/style>/s.exec(page.text)![1]!;
    expect(csp).toContain(
      `style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`,
    );
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("default-src 'none'");
  });

  it('answers GET /logout with a page that is neither a failed sign-in nor a retry', async () => {
    const page = await browser(app.url).get('/logout').set('Accept', HTML).expect(405);
    expect(page.text).not.toMatch(/Sign-in failed|Try again/);
    expect(page.text).toContain('<a class="button primary" href="/">Go to the home page</a>');
    expect(page.text).toContain('Error code: <code>OAUTH_METHOD_NOT_ALLOWED</code>');
  });

  it('offers a new sign-in as the next step after a failed callback', async () => {
    const page = await browser(app.url).get('/callback/corp?state=x&code=y').set('Accept', HTML);
    expect(page.status).toBe(400);
    expect(page.text).toContain('<h1>This sign-in is no longer open</h1>');
    expect(page.text).toContain('href="/login">Sign in again</a>');
  });
});

describe('pages option', () => {
  let app: TestApp;
  const chooserCalls: OAuthChooserPageContext[] = [];
  const errorCalls: OAuthErrorPageContext[] = [];
  beforeAll(async () => {
    app = await startTestApp({
      oauth: () => ({
        providers: twoProviders(),
        pages: {
          chooser: (context, req) => {
            chooserCalls.push(context);
            const links = context.providers
              .map((p) => `<a href="${escapeHtml(p.loginUrl)}">${escapeHtml(p.label)}</a>`)
              .join('');
            return `<main data-path="${escapeHtml(req.path)}">${links}</main>`;
          },
          error: (context) => {
            errorCalls.push(context);
            if (context.error.code === 'OAUTH_UNKNOWN_PROVIDER') return undefined;
            if (context.error.code === 'OAUTH_METHOD_NOT_ALLOWED') throw new Error('broken');
            return `<h1>${escapeHtml(context.title)}</h1><a href="${escapeHtml(context.nextStep.href)}">${escapeHtml(context.nextStep.label)}</a>`;
          },
        },
      }),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('gives the chooser every provider with its login URL, and sends its page under the app CSP', async () => {
    const page = await browser(app.url).get('/login?returnTo=/me').set('Accept', HTML).expect(200);
    expect(page.text).toBe(
      '<main data-path="/login"><a href="/login/corp?returnTo=%2Fme">Corp &lt;SSO&gt;</a><a href="/login/other?returnTo=%2Fme">Other</a></main>',
    );
    expect(chooserCalls.at(-1)).toEqual({
      providers: [
        { name: 'corp', label: 'Corp <SSO>', loginUrl: '/login/corp?returnTo=%2Fme' },
        { name: 'other', label: 'Other', loginUrl: '/login/other?returnTo=%2Fme' },
      ],
      returnTo: '/me',
    });
    expect(page.headers['content-security-policy']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('gives the error page the words for people and a next step', async () => {
    const page = await browser(app.url).get('/callback/corp?state=x&code=y').set('Accept', HTML);
    expect(page.status).toBe(400);
    expect(page.text).toBe(
      '<h1>This sign-in is no longer open</h1><a href="/login">Sign in again</a>',
    );
    expect(errorCalls.at(-1)).toMatchObject({
      status: 400,
      title: 'This sign-in is no longer open',
      message: expect.stringMatching(/^This browser has no sign-in waiting/),
      nextStep: { label: 'Sign in again', href: '/login' },
      retryAfter: undefined,
      error: expect.objectContaining({ code: 'OAUTH_NO_TRANSACTION' }),
    });
  });

  it('keeps the built-in page when the function returns undefined or throws', async () => {
    const unknown = await browser(app.url).get('/login/nope').set('Accept', HTML).expect(404);
    expect(unknown.text).toContain('<h1>No such way to sign in</h1>');
    expect(unknown.headers['content-security-policy']).toContain("default-src 'none'");
    const thrown = await browser(app.url).get('/logout').set('Accept', HTML).expect(405);
    expect(thrown.text).toContain('OAUTH_METHOD_NOT_ALLOWED');
    expect(app.logs.join('\n')).toContain('"options.pages.error" threw');
  });

  it('still answers JSON clients with JSON', async () => {
    const response = await browser(app.url).get('/callback/corp?state=x&code=y').expect(400);
    expect(response.body.code).toBe('OAUTH_NO_TRANSACTION');
  });
});

describe('pages option validation', () => {
  const base = {
    providers: { corp: { issuer: 'https://op.example.com', clientId: 'c', clientSecret: 's' } },
    baseURL: 'https://app.example.com',
    secret: TEST_SECRET,
  };
  const create = (pages: unknown) => () =>
    oauthMiddleware({ ...base, pages } as unknown as OAuthMiddlewareOptions);

  it('suggests the right name for a misspelled page', () => {
    expect(create({ chooserr: () => '' })).toThrow(
      'unknown option "pages.chooserr"; did you mean "pages.chooser"?',
    );
  });

  it('refuses a page that is not a function, at creation', () => {
    expect(create({ error: '<h1>oops</h1>' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringContaining('"options.pages.error" must be a function'),
      }),
    );
    expect(create('pages')).toThrow('"options.pages" must be an object');
  });
});
