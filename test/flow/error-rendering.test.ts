import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;

beforeAll(async () => {
  provider = await startScriptedProvider();
});

afterAll(async () => {
  await provider.close();
});

function oauth() {
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
  };
}

describe('default error page', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ oauth });
  });
  afterAll(async () => {
    await app.close();
  });

  it('escapes whatever the provider put in error_description', async () => {
    provider.script.authorize = {
      set: {
        error: 'access_denied',
        error_description: '<script>alert(1)</script>',
        code: undefined,
      },
    };
    try {
      const agent = browser(app.url);
      const callback = await authorize(provider, await startLogin(agent));
      const page = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(403);
      expect(page.text).not.toContain('<script>alert(1)</script>');
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.headers['cache-control']).toBe('no-store');
      // The page brings its own CSP: its one inline style is allowed by hash, scripts never.
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toMatch(/default-src 'none'; style-src 'sha256-[\w+/=]+'/);
      const style = /<style>(.*?)<\/style>/s.exec(page.text)![1]!;
      const hash = createHash('sha256').update(style).digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    } finally {
      provider.reset();
    }
  });

  it('says how long to wait when the provider rate-limits', async () => {
    provider.script.token = {
      status: 429,
      headers: { 'retry-after': '42' },
      body: { error: 'slow_down' },
    };
    try {
      const agent = browser(app.url);
      const callback = await authorize(provider, await startLogin(agent));
      const page = await agent.get(pathOf(callback)).set('Accept', 'text/html').expect(503);
      expect(page.headers['retry-after']).toBe('42');
      expect(page.text).toContain('Try again in 42 seconds');
      expect(page.text).toContain('OAUTH_RATE_LIMITED');
    } finally {
      provider.reset();
    }
  });
});

describe('onError', () => {
  it('receives the OAuthError and renders what the application wants', async () => {
    const seen: OAuthError[] = [];
    const app = await startTestApp({
      oauth: () => ({
        ...oauth(),
        onError: (error, _req, res) => {
          seen.push(error);
          res.status(error.status).send(`custom page for ${error.code}`);
        },
      }),
    });
    try {
      const response = await browser(app.url).get('/callback?state=nope').expect(400);
      expect(response.text).toBe('custom page for OAUTH_NO_TRANSACTION');
      expect(seen[0]).toBeInstanceOf(OAuthError);
      expect(seen[0]).toMatchObject({ code: 'OAUTH_NO_TRANSACTION', status: 400 });
    } finally {
      await app.close();
    }
  });

  it('can hand the error on to the application with next()', async () => {
    const app = await startTestApp({
      oauth: () => ({ ...oauth(), onError: (error, _req, _res, next) => next(error) }),
    });
    try {
      const response = await browser(app.url).get('/callback?state=nope').expect(400);
      expect(response.body).toEqual({ code: 'OAUTH_NO_TRANSACTION', message: expect.any(String) });
    } finally {
      await app.close();
    }
  });
});
