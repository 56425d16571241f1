import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { applyPatch, KeyRing } from './keys.js';
import { jsonReply } from './reply.js';
import type { CodeGrant, ProviderState, Reply, TokenGrant } from './reply.js';
import { JSON_TYPE, routeOf } from './routes.js';
import type { LooseScript } from './routes.js';
import type {
  Json,
  JsonObject,
  PublicJwk,
  RecordedRequest,
  Script,
  ScriptedProvider,
  ScriptedProviderOptions,
  SignOptions,
} from './types.js';

const defaultClaims: JsonObject = { name: 'Alice Example', email: 'alice@example.com' };

class ScriptedProviderServer implements ScriptedProvider, ProviderState {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly idTokenTtl: number;
  readonly accessTokenTtl: number;
  subject: string;
  claims: JsonObject;
  script: Script = {};
  readonly requests: RecordedRequest[] = [];
  readonly codes = new Map<string, CodeGrant>();
  readonly accessTokens = new Map<string, TokenGrant>();
  readonly refreshTokens = new Map<string, TokenGrant>();
  // Assigned by startScriptedProvider before the first request can arrive.
  keys!: KeyRing;

  #port: number;
  #server: Server | undefined;
  #closed = false;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** How many requests each script object has been applied to, for `times`. */
  readonly #uses = new WeakMap<object, number>();

  constructor(private readonly options: ScriptedProviderOptions) {
    this.#port = options.port ?? 0;
    this.clientId = options.clientId ?? 'scripted-client';
    this.clientSecret = options.clientSecret ?? 'scripted-client-secret-0123456789abcdefgh';
    this.idTokenTtl = options.idTokenTtl ?? 300;
    this.accessTokenTtl = options.accessTokenTtl ?? 3600;
    this.subject = options.subject ?? 'alice';
    this.claims = structuredClone(options.claims ?? defaultClaims);
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get port(): number {
    return this.#port;
  }
  get kid(): string {
    return this.keys.kid;
  }

  url(path: string): string {
    return `${this.issuer}${path}`;
  }
  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }
  last(path: string): RecordedRequest | undefined {
    return this.requests.findLast((r) => r.path === path);
  }
  reset(): void {
    this.script = {};
    this.requests.length = 0;
    this.subject = this.options.subject ?? 'alice';
    this.claims = structuredClone(this.options.claims ?? defaultClaims);
  }
  jwks(): { keys: PublicJwk[] } {
    return this.keys.jwks();
  }
  rotateKeys(): Promise<string> {
    return this.keys.rotate();
  }
  sign(payload: JsonObject, options?: SignOptions): Promise<string> {
    return this.keys.sign(payload, options);
  }

  async start(): Promise<void> {
    if (this.#closed) throw new Error('scripted provider is closed');
    if (this.#server) return;
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    // Delayed answers are abandoned: their sockets are about to be destroyed anyway.
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() alone waits for keep-alive and hanging requests; destroying makes it immediate.
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      // The client went away (or stop() destroyed the socket) mid-body: nothing to answer.
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.issuer);
    const isForm = (req.headers['content-type'] ?? '').startsWith(
      'application/x-www-form-urlencoded',
    );
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      ...(isForm ? { form: new URLSearchParams(body) } : {}),
    };
    this.requests.push(recorded);

    try {
      await this.#respond(recorded, res);
    } catch (error) {
      // A bug in a handler or a throwing script callback: answer 500 rather than hang the RP.
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent && !res.destroyed) {
        this.#write(res, jsonReply({ error: 'server_error', error_description: message }, 500));
      }
    }
  }

  /** Claims one use of a script, or returns undefined when its `times` are used up. */
  #activate(script: LooseScript | undefined): LooseScript | undefined {
    if (!script) return undefined;
    const uses = this.#uses.get(script) ?? 0;
    if (script.times !== undefined && uses >= script.times) return undefined;
    this.#uses.set(script, uses + 1);
    return script;
  }

  async #respond(r: RecordedRequest, res: ServerResponse): Promise<void> {
    const route = routeOf(this, this.script, r);
    if (!route.methods.includes(r.method)) {
      this.#write(
        res,
        jsonReply({ error: 'method_not_allowed' }, 405, { allow: route.methods.join() }),
      );
      return;
    }
    const script = this.#activate(route.script);
    if (script?.drop) {
      res.socket?.destroy();
      return;
    }
    // A hanging request keeps its socket open until stop()/close() destroys it.
    if (script?.hang) return;
    if (script?.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (this.#timers.delete(timer), resolve()), script.delayMs);
        this.#timers.add(timer);
      });
    }

    let reply: Reply;
    const fixed = script?.body;
    if (fixed !== undefined && typeof fixed !== 'function') {
      const type = typeof fixed === 'string' ? route.contentType : JSON_TYPE;
      reply = { status: 200, headers: { 'content-type': type }, body: fixed };
    } else {
      reply = await route.handle(script !== undefined);
    }

    if (script?.set && reply.location) {
      for (const [name, value] of Object.entries(script.set)) {
        if (value === undefined) reply.location.searchParams.delete(name);
        else reply.location.searchParams.set(name, String(value));
      }
    } else if (script?.set && isObject(reply.body)) {
      reply.body = applyPatch(reply.body, script.set);
    }
    if (typeof script?.body === 'function') {
      reply.body = script.body(reply.body, { request: r, provider: this });
    }
    if (script?.status !== undefined) reply.status = script.status;
    if (reply.location) reply.headers.location = reply.location.href;
    reply.headers = applyPatch(reply.headers, script?.headers);
    this.#write(res, reply, script?.stall === true);
  }

  #write(res: ServerResponse, reply: Reply, stall = false): void {
    if (res.destroyed) return;
    const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, reply.headers);
    // A stalled answer keeps its socket open until stop()/close() destroys it.
    if (stall) res.write(payload.slice(0, Math.floor(payload.length / 2)));
    else res.end(payload);
  }
}

function isObject(value: string | Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Starts an honest OpenID Provider on 127.0.0.1 whose every step tests can script. */
export async function startScriptedProvider(
  options: ScriptedProviderOptions = {},
): Promise<ScriptedProvider> {
  const provider = new ScriptedProviderServer(options);
  provider.keys = await KeyRing.create(options.keyCount ?? 1, () => provider.clientSecret);
  await provider.start();
  return provider;
}
