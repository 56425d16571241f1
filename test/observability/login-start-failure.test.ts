// A login that cannot start is counted whichever way it was started: the /login route, or
// req.oauth.login() from the application's own route (here, with the provider's discovery down).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAUTH_CHANNELS } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser } from '../helpers/login.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

let provider: ScriptedProvider;
let app: TestApp;

beforeAll(async () => {
  provider = await startScriptedProvider();
  provider.script.discovery = { status: 500, body: { error: 'server_error' } };
  app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    }),
  });
});

afterAll(async () => {
  await app.close();
  await provider.close();
});

describe('login:failure', () => {
  it.each(['/login', '/custom-login'])(
    'is published when a login started at %s cannot start',
    async (path) => {
      const seen: unknown[] = [];
      const listener = (message: unknown): void => {
        seen.push(message);
      };
      subscribe(OAUTH_CHANNELS.loginFailure, listener);
      try {
        const response = await browser(app.url).get(path);
        expect(response.status).toBe(503);
      } finally {
        unsubscribe(OAUTH_CHANNELS.loginFailure, listener);
      }
      expect(seen).toEqual([
        expect.objectContaining({
          provider: 'default',
          step: 'start',
          code: 'OAUTH_PROVIDER_UNAVAILABLE',
        }),
      ]);
    },
  );
});
