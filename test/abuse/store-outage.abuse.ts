// Redis frozen (SIGSTOP) and Redis stopped, under load from signed-in browsers and new ones,
// with the configuration docs/production.md gives: connect-redis behind boundSessionStore(),
// node-redis with disableOfflineQueue, storeTimeout. Every request gets an answer: 503
// OAUTH_STORE_UNAVAILABLE while the store is out (no other 5xx), no session is lost (the same
// session ids are signed in afterwards), and the app recovers without a restart when Redis is
// continued or started again on the same port with the same data. The figures are printed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundSessionStore } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, pathOf, startLogin } from '../helpers/login.js';
import type { Agent } from '../helpers/login.js';
import { requireRedis } from '../helpers/redis.js';
import { authorize, startScriptedProvider } from '../helpers/scripted-provider.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

const hasRedis = await requireRedis();

const STORE_TIMEOUT = 1_000;
const VICTIMS = 20;
/** Rounds of requests while the store is out: each round, every victim and one new browser. */
const ROUNDS = 4;
/** A request that has no answer after this is counted as hung. */
const DEADLINE = 10_000;

/** A redis-server with an append-only file, so that one stopped and started again keeps its data. */
class PersistentRedis {
  child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir];
    args.push('--appendonly', 'yes', '--appendfsync', 'always', '--save', '');
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    // Waiting for the server to come up, not for time to pass: each failed PING is retried.
    while (!(await ping(this.port))) await delay(20);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  }

  signal(name: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(name);
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
    socket.on('error', () => done(false));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Answer {
  /** A signed-in browser's `/me`, or a new browser's `/login` (which needs no store). */
  kind?: 'signed-in' | 'login';
  status: number;
  code: string | undefined;
  ms: number;
}

async function timed(run: () => request.Test): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await run().timeout({ deadline: DEADLINE });
    return {
      status: response.status,
      code: (response.body as { code?: string }).code,
      ms: performance.now() - started,
    };
  } catch {
    return { status: 0, code: 'HUNG', ms: performance.now() - started };
  }
}

function summary(label: string, answers: Answer[]): string {
  const unavailable = answers.filter((a) => a.status === 503).map((a) => a.ms);
  unavailable.sort((a, b) => a - b);
  const other5xx = answers.filter((a) => a.status >= 500 && a.status !== 503).length;
  const hung = answers.filter((a) => a.status === 0).length;
  const median = unavailable[Math.floor(unavailable.length / 2)] ?? NaN;
  const max = unavailable.at(-1) ?? NaN;
  return `${label}: ${answers.length} requests, ${unavailable.length} × 503 (median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms to the 503), ${other5xx} other 5xx, ${hung} hung`;
}

describe.skipIf(!hasRedis)('Redis frozen and stopped under load', () => {
  let redis: PersistentRedis;
  let provider: ScriptedProvider;
  let client: ReturnType<typeof createClient>;
  let app: TestApp;
  const victims: { agent: Agent; sessionId: string }[] = [];
  const figures: string[] = [];
  let clientErrors = 0;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'express-oauth-rp-outage-'));
    redis = new PersistentRedis(await freePort(), dir);
    await redis.start();
    provider = await startScriptedProvider();
    // docs/production.md's configuration: a command sent while disconnected fails at once.
    client = createClient({
      url: redis.url,
      disableOfflineQueue: true,
      socket: { connectTimeout: STORE_TIMEOUT },
    });
    client.on('error', () => {
      clientErrors += 1;
    });
    await client.connect();
    const store = boundSessionStore(new RedisStore({ client, prefix: 'outage:' }), {
      timeout: STORE_TIMEOUT,
    });
    app = await startTestApp({
      oauth: () => ({
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        timeout: 5_000,
        storeTimeout: STORE_TIMEOUT,
      }),
      store,
    });
    for (let i = 0; i < VICTIMS; i++) {
      const agent = browser(app.url);
      const callback = await authorize(provider, await startLogin(agent));
      await agent.get(pathOf(callback)).expect(303);
      const { id } = (await agent.get('/session').expect(200)).body as { id: string };
      victims.push({ agent, sessionId: id });
    }
  });

  afterAll(async () => {
    console.log(
      `store outage figures:\n  ${figures.join('\n  ')}\n  client errors: ${clientErrors}`,
    );
    redis?.signal('SIGCONT');
    await app?.close();
    await client?.close().catch(() => undefined);
    await provider?.close();
    await redis?.stop();
    await rm(redis.dir, { recursive: true, force: true });
  });

  /** Every victim asks for /me and a new browser for /login, ROUNDS times, all at once per round. */
  async function load(): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const requests = [
        ...victims.map(async ({ agent }) => ({
          ...(await timed(() => agent.get('/me'))),
          kind: 'signed-in' as const,
        })),
        timed(() => request(app.url).get('/login')).then((a) => ({ ...a, kind: 'login' as const })),
      ];
      answers.push(...(await Promise.all(requests)));
    }
    return answers;
  }

  /** Every victim is signed in again, in the session it had: nothing was lost or cleared. */
  async function expectEveryoneBack(label: string): Promise<void> {
    const started = performance.now();
    // The client reconnects on its own; the first answers may still be 503s until it has.
    let first = await timed(() => victims[0]!.agent.get('/me'));
    while (first.status === 503) first = await timed(() => victims[0]!.agent.get('/me'));
    figures.push(`${label}: first 200 after ${(performance.now() - started).toFixed(0)} ms`);
    for (const { agent, sessionId } of victims) {
      const me = await agent.get('/me');
      expect(me.status).toBe(200);
      const { id } = (await agent.get('/session').expect(200)).body as { id: string };
      expect(id).toBe(sessionId);
    }
    const fresh = browser(app.url);
    const callback = await authorize(provider, await startLogin(fresh));
    await fresh.get(pathOf(callback)).expect(303);
  }

  function expectClean(answers: Answer[]): void {
    for (const answer of answers) {
      expect(answer.status === 200 || answer.status === 303 || answer.status === 503).toBe(true);
      if (answer.status === 503) expect(answer.code).toBe('OAUTH_STORE_UNAVAILABLE');
    }
  }

  it('frozen (SIGSTOP): 503s within the store timeout, nothing lost, back on SIGCONT', async () => {
    redis.signal('SIGSTOP');
    let answers: Answer[];
    try {
      answers = await load();
    } finally {
      redis.signal('SIGCONT');
    }
    figures.push(summary('frozen', answers));
    expectClean(answers);
    expect(answers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    await expectEveryoneBack('after SIGCONT');
  });

  it('stopped: 503s at once, nothing lost, back when it starts again with the same data', async () => {
    await redis.stop();
    let answers: Answer[];
    try {
      answers = await load();
    } finally {
      await redis.start();
    }
    figures.push(summary('stopped', answers));
    expectClean(answers);
    // Every signed-in request needs the store; a new login does not (its pending login is a
    // cookie), so it still starts.
    const signedIn = answers.filter((a) => a.kind === 'signed-in');
    const logins = answers.filter((a) => a.kind === 'login');
    expect(signedIn.every((a) => a.status === 503)).toBe(true);
    expect(logins.every((a) => a.status === 303)).toBe(true);
    await expectEveryoneBack('after restart');
  });
});
