/**
 * The parent and its child servers talk over Node's IPC channel: the child announces its port,
 * then answers numbered requests. Every server runs in a child process so that no variant shares
 * an event loop with the load generator (autocannon, in the parent) or with another variant.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a child answers to a request: any JSON value. */
export type Reply = unknown;

interface ReadyMessage {
  type: 'ready';
  port: number;
  info?: Record<string, unknown>;
}

interface RequestMessage {
  type: 'request';
  id: number;
  name: string;
  payload?: unknown;
}

interface ReplyMessage {
  type: 'reply';
  id: number;
  ok: boolean;
  value?: Reply;
  error?: string;
}

export interface ChildHandle {
  readonly port: number;
  readonly url: string;
  readonly info: Record<string, unknown>;
  /** Sends a request the child's handler answers. */
  ask<T = unknown>(name: string, payload?: unknown): Promise<T>;
  /** Asks the child to exit (so a `--cpu-prof` profile is written) and waits for it. */
  stop(): Promise<void>;
}

export interface ForkOptions {
  /** Extra `node` flags for the child, such as `--cpu-prof`. */
  execArgv?: readonly string[];
  env?: Record<string, string>;
}

/** Forks a TypeScript child (through tsx) and resolves once it listens. */
export function forkServer(
  entry: URL,
  args: readonly string[],
  options: ForkOptions = {},
): Promise<ChildHandle> {
  const child = fork(fileURLToPath(entry), [...args], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`${entry.pathname} ${args.join(' ')} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message: ReadyMessage) => {
      child.off('exit', onExit);
      resolve(handleFor(child, message));
    });
  });
}

function handleFor(child: ChildProcess, ready: ReadyMessage): ChildHandle {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: Reply) => void; reject: (e: Error) => void }>();
  child.on('message', (message: ReplyMessage) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: ready.port,
    url: `http://127.0.0.1:${ready.port}`,
    info: ready.info ?? {},
    ask<T>(name: string, payload?: unknown): Promise<T> {
      const id = nextId++;
      const message: RequestMessage = { type: 'request', id, name, payload };
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: Reply) => void, reject });
        child.send(message);
      });
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null) return;
      child.send({ type: 'request', id: -1, name: 'exit' } satisfies RequestMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Child side: announces the port, then answers requests with `handler` (and exits on 'exit'). */
export function serveParent(
  port: number,
  handler: (name: string, payload: unknown) => Reply | Promise<Reply>,
  info?: Record<string, unknown>,
): void {
  if (process.send === undefined) throw new Error('this file runs as a child of bench/run.ts');
  process.on('message', (message: RequestMessage) => {
    if (message.name === 'exit') {
      // process.exit() still writes the --cpu-prof profile; a signal would not.
      process.exit(0);
    }
    Promise.resolve()
      .then(() => handler(message.name, message.payload))
      .then(
        (value) => process.send!({ type: 'reply', id: message.id, ok: true, value }),
        (error: unknown) =>
          process.send!({ type: 'reply', id: message.id, ok: false, error: String(error) }),
      );
  });
  // The parent going away must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', port, info } satisfies ReadyMessage);
}
