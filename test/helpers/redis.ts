/**
 * A real Redis for the tests of the production set-up: Debian's `redis-server` on a free
 * 127.0.0.1 port with nothing written to disk, app instances that keep their sessions in it
 * through connect-redis, and a browser behind the load balancer those instances share.
 *
 * Fresh machines may lack redis-server. A test file asks once, when it is collected:
 *
 * ```ts
 * const hasRedis = await requireRedis();
 * describe.skipIf(!hasRedis)('...', () => { ... });
 * ```
 *
 * The run looked for it once (the global setup, system-tools.ts): a missing server printed one
 * line saying how to install it, and the tests are reported as skipped, never passed. In CI
 * (`CI=true`) and with REQUIRE_REDIS=1 a missing server fails the file instead.
 * REDIS_SERVER_BIN names another binary (e.g. /nonexistent, to see both behaviours).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import request from 'supertest';
import { inject } from 'vitest';

import { createRedisRefreshLock } from '../../src/index.js';
import { startTestApp } from './app.js';
import type { TestApp, TestAppOptions } from './app.js';
import { redisServerBin, redisServerInstalled } from './system-tools.js';

export const REDIS_SERVER_BIN = redisServerBin();

/** For a run outside vitest (the benchmarks), which says itself what it leaves out. */
export const REDIS_MISSING =
  "redis-server is not installed: install Debian's redis-server package (apt-get install -y redis-server)";

export interface RedisServer {
  /** e.g. redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The redis-server process, e.g. to freeze it with SIGSTOP. */
  pid: number;
  /** Kills the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * For a test file's top level: whether redis-server is installed, as the run found it once.
 * Throws the line naming the package when it is missing and required (CI, REQUIRE_REDIS=1), so
 * that CI fails rather than skips; otherwise the run has printed that line already.
 */
export async function requireRedis(): Promise<boolean> {
  const { available, required, notice } = inject('systemTools').redis;
  if (available) return true;
  if (required) throw new Error(notice);
  return false;
}

/** A port nothing listens on right now (redis-server has no `--port 0`). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PING over a raw socket: true once the server answers +PONG (not -LOADING). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts redis-server on 127.0.0.1 and resolves once it answers PING; undefined when it is not
 * installed. Nothing is persisted (`--save '' --appendonly no`), and its directory is a fresh
 * temporary one. Another process may take the free port before redis binds it, so a start that
 * fails to bind is retried on another port.
 */
export async function startRedis(): Promise<RedisServer | undefined> {
  if (!(await redisServerInstalled())) return undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(await freePort());
    } catch (error) {
      lastError = error;
      if (!String(error).includes('Address already in use')) break;
    }
  }
  throw lastError;
}

async function startOnce(port: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'express-oauth-rp-redis-'));
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir];
  args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '');
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  // A worker that dies without running afterAll must not leave a redis-server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Waiting for the server to come up, not for time to pass: each failed PING is retried.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (!running || Date.now() > deadline) {
      await stop();
      const why = running ? `did not answer PING within ${READY_TIMEOUT_MS} ms` : 'exited';
      throw new Error(`${REDIS_SERVER_BIN} on port ${port} ${why}:\n${output.trim()}`);
    }
    await delay(20);
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid as number, stop };
}

export type RedisClient = ReturnType<typeof createClient>;

/** A connected client and the connect-redis store on it, as a production app holds them. */
export interface RedisSessionStore {
  client: RedisClient;
  store: RedisStore;
  /** Closes the client (after its pending commands). */
  close(): Promise<void>;
}

export async function connectSessionStore(url: string, prefix: string): Promise<RedisSessionStore> {
  const client = createClient({ url });
  await client.connect();
  return { client, store: new RedisStore({ client, prefix }), close: () => client.close() };
}

/** An app instance whose sessions live in Redis; its close() also closes its Redis client. */
export type RedisTestApp = TestApp & { sessions: RedisSessionStore };

/**
 * Starts the fixture app (test/helpers/app.ts) with a connect-redis store and the Redis refresh
 * lock. Instances started with the same Redis, prefix and `baseURL` are interchangeable, as
 * behind a load balancer.
 */
export async function startRedisApp(
  options: Omit<TestAppOptions, 'store'> & { redisUrl: string; prefix: string },
): Promise<RedisTestApp> {
  const sessions = await connectSessionStore(options.redisUrl, options.prefix);
  try {
    // One refresh at a time across the instances, as production must configure them.
    const refreshLock = createRedisRefreshLock(sessions.client);
    const app = await startTestApp({
      ...options,
      oauth: (url) => ({ refreshLock, ...options.oauth(url) }),
      store: sessions.store,
    });
    const close = async (): Promise<void> => {
      await app.close();
      await sessions.close();
    };
    return { ...app, sessions, close };
  } catch (error) {
    await sessions.close();
    throw error;
  }
}

/**
 * A browser in front of several instances. The test plays the load balancer: each request goes
 * to the instance the test names, with the cookies the browser holds, whichever instance set
 * them. This is simpler and more exact than a proxy that would have to be told where to route
 * each request, and it is all a load balancer without sticky sessions does. The instances share
 * one public `baseURL` (the load balancer's), which nothing needs to listen on: the provider's
 * redirect is read from its Location header, never followed.
 */
export class LoadBalancedBrowser {
  readonly #cookies = new Map<string, string>();

  /** The value of one cookie, e.g. the session cookie `connect.sid`. */
  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  get(instance: TestApp, path: string): Promise<request.Response> {
    return this.#send(request(instance.url).get(path));
  }

  post(
    instance: TestApp,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<request.Response> {
    return this.#send(request(instance.url).post(path).set(headers));
  }

  async #send(test: request.Test): Promise<request.Response> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie !== '') test.set('Cookie', cookie);
    const response = await test;
    const setCookie = response.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of setCookie ?? []) {
      const pair = line.split(';', 1)[0] ?? '';
      const equals = pair.indexOf('=');
      if (equals > 0) this.#cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1));
    }
    return response;
  }
}

/** The session id inside express-session's signed cookie value (`s:<id>.<signature>`). */
export function sessionIdOf(cookieValue: string | undefined): string | undefined {
  const decoded = decodeURIComponent(cookieValue ?? '');
  if (!decoded.startsWith('s:')) return undefined;
  return decoded.slice(2, decoded.lastIndexOf('.'));
}
