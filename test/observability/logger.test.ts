import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';
import { UNREACHABLE_ORIGIN } from '../helpers/unreachable.js';

/** An issuer nothing answers at: every request to it is refused. */
async function unreachableIssuer(): Promise<string> {
  return UNREACHABLE_ORIGIN;
}

describe('logger option', () => {
  let op: TestProvider;
  let downIssuer: string;

  beforeAll(async () => {
    op = await startTestProvider();
    downIssuer = await unreachableIssuer();
  });

  afterAll(async () => {
    await op.close();
  });

  it('gives a pino logger its structured fields, object first, and logs nothing for a successful login', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    let app: TestApp | undefined;
    let down: TestApp | undefined;
    try {
      app = await startTestApp({
        oauth: () => ({
          issuer: op.issuer,
          clientId: TEST_CLIENT.client_id,
          clientSecret: TEST_CLIENT.client_secret,
          logger,
        }),
      });
      await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
      const agent = browser(app.url);
      await loginThroughProvider(agent);
      await agent.get('/me').expect(200);
      expect(lines).toEqual([]);
      down = await startTestApp({
        oauth: () => ({ issuer: downIssuer, clientId: 'c', clientSecret: 's', logger }),
      });
      await browser(down.url).get('/login').expect(503);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 50,
        code: 'OAUTH_PROVIDER_UNAVAILABLE',
        msg: expect.stringContaining('the provider could not be reached'),
        err: { type: 'TypeError', message: expect.stringContaining('ECONNREFUSED') },
      });
    } finally {
      await app?.close();
      await down?.close();
    }
  });

  it('gives a winston logger its message first and the fields as metadata', async () => {
    const calls: unknown[][] = [];
    // The shape of a winston logger: log(), transports, and a method per level.
    const winstonLike = {
      transports: [],
      log: () => undefined,
      warn: (...args: unknown[]) => calls.push(['warn', ...args]),
      error: (...args: unknown[]) => calls.push(['error', ...args]),
    };
    const down = await startTestApp({
      oauth: () => ({ issuer: downIssuer, clientId: 'c', clientSecret: 's', logger: winstonLike }),
    });
    try {
      await browser(down.url).get('/login').expect(503);
    } finally {
      await down.close();
    }
    expect(calls).toEqual([
      [
        'error',
        expect.stringContaining('OAUTH_PROVIDER_UNAVAILABLE'),
        { code: 'OAUTH_PROVIDER_UNAVAILABLE', err: expect.any(TypeError) },
      ],
    ]);
  });

  it('is told how to call the logger by loggerStyle, and refuses an unknown style', async () => {
    const calls: unknown[][] = [];
    const down = await startTestApp({
      oauth: () => ({
        issuer: downIssuer,
        clientId: 'c',
        clientSecret: 's',
        loggerStyle: 'pino',
        logger: { error: (...args: unknown[]) => calls.push(args) },
      }),
    });
    try {
      await browser(down.url).get('/login').expect(503);
    } finally {
      await down.close();
    }
    expect(calls[0]?.[0]).toMatchObject({ code: 'OAUTH_PROVIDER_UNAVAILABLE' });
    await expect(
      startTestApp({
        oauth: () => ({
          issuer: downIssuer,
          clientId: 'c',
          clientSecret: 's',
          loggerStyle: 'bunyan' as 'pino',
        }),
      }),
    ).rejects.toThrow('"options.loggerStyle" must be "pino", "winston" or "plain"');
  });
});
