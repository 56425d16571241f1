// 50 MB answers from each provider endpoint against an app in a child process (its memory is its
// own): the app's peak RSS grows by less than 50 MB per case, the attack gets a clean answer, and
// the next honest login works. The figures are printed. OAUTH_RP_SOURCE=/path/to/src/index.ts
// measures another copy of the package (e.g. main's, for the figures before the limit).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { EndpointName, JsonObject, ScriptedProvider } from '../helpers/scripted-provider.js';

const FIFTY_MB = 50 * 1024 * 1024;
/** Peak RSS growth allowed per case, in kB. */
const MAX_GROWTH_KB = 50 * 1024;
/** The middleware's default limit: an answer is cut off after it. */
const SCRIPT = new URL('./fixtures/measured-app.ts', import.meta.url);

interface Child {
  url: string;
  ask(message: 'reset' | 'peak'): Promise<number>;
  close(): Promise<void>;
}

async function startChild(provider: ScriptedProvider): Promise<Child> {
  const child: ChildProcess = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: {
      ...process.env,
      ISSUER: provider.issuer,
      CLIENT_ID: provider.clientId,
      CLIENT_SECRET: provider.clientSecret,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url?: string }) => resolve(message.url as string));
    child.once('exit', (code) => reject(new Error(`the measured app exited with ${code}`)));
  });
  return {
    url,
    ask: (message) =>
      new Promise((resolve) => {
        child.once('message', (answer: Record<string, number>) =>
          resolve(Object.values(answer)[0] as number),
        );
        child.send(message);
      }),
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `honest` with a `padding` member that makes its JSON `size` bytes. */
function padded(size: number) {
  return (honest: JsonObject): string => {
    const bare = JSON.stringify({ ...honest, padding: '' });
    return JSON.stringify({ ...honest, padding: 'x'.repeat(size - bare.length) });
  };
}

async function login(provider: ScriptedProvider, agent: Agent): Promise<request.Response> {
  return agent.get(pathOf(await authorize(provider, await startLogin(agent))));
}

interface Case {
  endpoint: EndpointName;
  /** What the app must have done before the measurement (discovery, keys, a signed-in browser). */
  warmUp: 'nothing' | 'discovery' | 'login';
  attack(provider: ScriptedProvider, child: Child, agent: Agent): Promise<request.Response>;
  /** A clean answer to the attack. */
  expected: { status: number; code?: string };
}

const CASES: Case[] = [
  {
    endpoint: 'discovery',
    warmUp: 'nothing',
    attack: (_p, _c, agent) => agent.get('/login'),
    expected: { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  },
  {
    endpoint: 'jwks',
    warmUp: 'discovery',
    attack: (provider, _c, agent) => login(provider, agent),
    expected: { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  },
  {
    endpoint: 'token',
    warmUp: 'login',
    attack: (provider, _c, agent) => login(provider, agent),
    expected: { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  },
  {
    endpoint: 'userinfo',
    warmUp: 'login',
    attack: (provider, _c, agent) => login(provider, agent),
    expected: { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  },
  {
    // A revocation that fails never blocks the logout: the answer is the logout's redirect.
    endpoint: 'revocation',
    warmUp: 'login',
    attack: (_p, child, agent) => agent.post('/logout').set('Origin', child.url),
    expected: { status: 303 },
  },
  {
    endpoint: 'introspection',
    warmUp: 'login',
    attack: (_p, child) =>
      request(child.url).get('/api').set('Authorization', 'Bearer an-opaque-access-token'),
    expected: { status: 502, code: 'OAUTH_INVALID_RESPONSE' },
  },
];

describe('50 MB answers from each provider endpoint', () => {
  let provider: ScriptedProvider;
  const figures: string[] = [];
  beforeAll(async () => {
    provider = await startScriptedProvider();
  });
  afterAll(async () => {
    console.log(`peak RSS growth per 50 MB answer:\n${figures.join('\n')}`);
    await provider.close();
  });

  it.each(CASES)('$endpoint: bounded memory, a clean answer, then an honest login', async (c) => {
    provider.reset();
    const child = await startChild(provider);
    try {
      const agent = browser(child.url);
      if (c.warmUp === 'discovery') expect((await agent.get('/login')).status).toBe(303);
      if (c.warmUp === 'login') expect((await login(provider, agent)).status).toBe(303);
      provider.script[c.endpoint] = { body: padded(FIFTY_MB) } as never;
      const before = await child.ask('reset');
      const response = await c.attack(provider, child, agent);
      const peak = await child.ask('peak');
      provider.script = {};
      const growth = peak - before;
      figures.push(
        `  ${c.endpoint}: +${(growth / 1024).toFixed(1)} MB (status ${response.status})`,
      );
      expect(response.status, response.text.slice(0, 300)).toBe(c.expected.status);
      if (c.expected.code !== undefined) expect(response.body.code).toBe(c.expected.code);
      expect(response.text).not.toMatch(/\bat .+:\d+:\d+/);
      expect(growth, `peak RSS grew by ${growth} kB`).toBeLessThan(MAX_GROWTH_KB);
      const honest = await login(provider, browser(child.url));
      expect(honest.status, honest.text.slice(0, 300)).toBe(303);
    } finally {
      await child.close();
    }
  });
});
