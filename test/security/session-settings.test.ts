import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestAppOptions } from '../helpers/app.js';
import { browser } from '../helpers/login.js';

const oauth: TestAppOptions['oauth'] = () => ({
  issuer: 'http://127.0.0.1:9',
  clientId: 'client',
  clientSecret: 'secret',
});

async function warningsFor(options: Omit<TestAppOptions, 'oauth'>): Promise<string[]> {
  const app = await startTestApp({ oauth, ...options });
  try {
    await browser(app.url).get('/');
    await browser(app.url).get('/');
    return app.logs.filter((line) => line.startsWith('warn: '));
  } finally {
    await app.close();
  }
}

describe('start-up warnings about session settings', () => {
  it("warns once that sameSite: 'strict' breaks every login", async () => {
    const warnings = await warningsFor({ cookie: { sameSite: 'strict', httpOnly: true } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("sameSite: 'strict'");
    expect(warnings[0]).toContain("use sameSite: 'lax'");
  });

  it('warns that a cookie without secure leaks the session id when the app is served over https', async () => {
    const app = await startTestApp({
      oauth: (url) => ({ ...oauth(url), baseURL: url.replace('http:', 'https:') }),
    });
    try {
      await browser(app.url).get('/');
      expect(app.logs.join('\n')).toContain('the session cookie is not secure');
    } finally {
      await app.close();
    }
  });

  it('warns about a script-readable session cookie', async () => {
    const warnings = await warningsFor({ cookie: { httpOnly: false, sameSite: 'lax' } });
    expect(warnings.join('\n')).toContain('httpOnly: false');
  });

  it('says nothing for the recommended settings', async () => {
    expect(await warningsFor({})).toEqual([]);
  });
});
