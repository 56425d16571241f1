/**
 * The pieces the browser-facing simulators share: registered clients, the login-and-consent
 * page and its driver (so tests play the user without a browser), single-use authorization
 * codes and expiring access tokens.
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml, renderMessagePage, renderSimulatorPage } from './page.js';
import {
  first,
  parseForm,
  randomToken,
  sendHtml,
  type SimulatorRequest,
} from './simulator-server.js';

/** A registered OAuth client. `redirectUris` may be added to after the simulator started. */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: string[];
}

/** Copies the configured clients (or the fallback) so `addRedirectUri` never mutates options. */
export function copyClients(
  clients: readonly OAuthClient[] | undefined,
  fallback: OAuthClient,
): OAuthClient[] {
  return (clients ?? [fallback]).map((c) => ({ ...c, redirectUris: [...c.redirectUris] }));
}

/** Registers `uri` for the client `clientId` (default: the first client). */
export function addRedirectUri(
  clients: readonly OAuthClient[],
  uri: string,
  clientId?: string,
): void {
  const client = clientId === undefined ? clients[0] : clients.find((c) => c.clientId === clientId);
  if (!client) throw new Error(`unknown client ${String(clientId)}`);
  client.redirectUris.push(uri);
}

/**
 * Renders the provider's login-and-consent page: a form posting `hidden` fields plus
 * `username`, `password` and a `decision` button (`approve` or `deny`). `hint`, when given, is
 * shown above the form. {@link driveLoginPage} reads the form tag and the hidden fields as
 * written here.
 */
export function renderLoginPage(page: {
  /** The simulated provider's name, on top of the page. */
  readonly provider: string;
  readonly title: string;
  readonly action: string;
  readonly hidden: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly hint?: string;
}): string {
  const hidden = Object.entries(page.hidden)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const hint = page.hint ? `\n<p class="hint">${escapeHtml(page.hint)}</p>` : '';
  const error = page.error ? `\n<p class="alert" role="alert">${escapeHtml(page.error)}</p>` : '';
  return renderSimulatorPage({
    provider: page.provider,
    title: page.title,
    body: `<p>An application asks to sign you in with your ${escapeHtml(page.provider)} account.</p>${hint}${error}
<form method="post" action="${escapeHtml(page.action)}">
${hidden}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="actions">
<button name="decision" value="approve">Allow</button>
<button class="secondary" name="decision" value="deny">Deny</button>
</div>
</form>`,
  });
}

function unescapeHtml(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&gt;', '>')
    .replaceAll('&lt;', '<')
    .replaceAll('&amp;', '&');
}

/** Options of the simulators that show a login page to the user. */
export interface LoginPageOptions {
  /**
   * A line shown above the login form, for people trying the simulator by hand (the example
   * app); escaped. A function is given the simulator's first user, the one `approve()` logs in
   * as by default, e.g. `(user) => \`Demo user: ${user.username} / ${user.password}\``.
   * Default: none, the page as the provider shows it.
   */
  readonly loginHint?: string | ((user: LoginUser) => string);
}

/** How the user answers a login page. */
export interface LoginAnswer {
  readonly username: string;
  readonly password: string;
  readonly deny?: boolean;
}

/**
 * Plays the user on a page made by {@link renderLoginPage}: opens `pageUrl`, submits the form
 * and returns the redirect it answers with, without following it. When `pageUrl` itself
 * redirects (an error sent back to the client), that redirect is returned. Anything else
 * throws, with the status and body in the message.
 */
export async function driveLoginPage(pageUrl: string | URL, answer: LoginAnswer): Promise<URL> {
  const page = await fetch(pageUrl, { redirect: 'manual' });
  const pageLocation = page.headers.get('location');
  if (pageLocation !== null) return new URL(pageLocation, pageUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`login page answered ${page.status}: ${html}`);
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no login form in page: ${html}`);
  const form = new URLSearchParams();
  for (const [, name = '', value = ''] of html.matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)">/g,
  )) {
    form.append(unescapeHtml(name), unescapeHtml(value));
  }
  form.append('username', answer.username);
  form.append('password', answer.password);
  form.append('decision', answer.deny ? 'deny' : 'approve');
  const actionUrl = new URL(unescapeHtml(action), pageUrl);
  const submitted = await fetch(actionUrl, { method: 'POST', body: form, redirect: 'manual' });
  const location = submitted.headers.get('location');
  if (location === null) {
    throw new Error(`login form answered ${submitted.status}: ${await submitted.text()}`);
  }
  return new URL(location, actionUrl);
}

/** A user who can sign in on a simulator's login page. */
export interface LoginUser {
  readonly username: string;
  readonly password: string;
}

/** How `approve()` plays the user; defaults to the first user and their real password. */
export interface ApproveOptions {
  /** Username to log in as; default the simulator's first user. */
  readonly user?: string;
  /** Password to type; default the user's real one (pass another to test a failed login). */
  readonly password?: string;
  /** Click "Deny" instead of "Allow". */
  readonly deny?: boolean;
}

/** Pending logins of one simulator, keyed by a single-use transaction id. */
export interface LoginFlow<G, U> {
  /** Remembers `grant` and answers the login page for it. */
  show(res: ServerResponse, grant: G): void;
  /**
   * Handles the posted form. Answers by itself (and returns undefined) for an unknown
   * transaction or wrong credentials; otherwise consumes the transaction and returns the grant
   * with the user, or with `user: undefined` when the user denied.
   */
  submit(
    req: SimulatorRequest,
    res: ServerResponse,
  ): { readonly grant: G; readonly user: U | undefined } | undefined;
  /** Plays the user on `pageUrl`; see {@link driveLoginPage}. */
  approve(pageUrl: string | URL, options?: ApproveOptions): Promise<URL>;
}

/** Creates the login flow of a simulator whose form posts to `action`. */
export function createLoginFlow<G, U extends LoginUser>(config: {
  /** The simulated provider's name, on top of its pages. */
  readonly provider: string;
  readonly title: string;
  readonly action: string;
  readonly users: readonly U[];
  /** Shown above the form; see {@link LoginPageOptions}. */
  readonly hint?: LoginPageOptions['loginHint'];
}): LoginFlow<G, U> {
  const pending = new Map<string, G>();
  const defaultUser = first(config.users, 'user');
  const hint = typeof config.hint === 'function' ? config.hint(defaultUser) : config.hint;
  const page = (txn: string, error?: string): string =>
    renderLoginPage({
      provider: config.provider,
      title: config.title,
      action: config.action,
      hidden: { txn },
      error,
      hint,
    });
  return {
    show(res, grant) {
      const txn = randomToken();
      pending.set(txn, grant);
      sendHtml(res, 200, page(txn));
    },
    submit(req, res) {
      const form = parseForm(req.body);
      const txn = form.get('txn') ?? '';
      const grant = pending.get(txn);
      if (grant === undefined) {
        sendHtml(
          res,
          400,
          renderMessagePage(
            config.provider,
            'This authorization request is unknown or already used',
          ),
        );
        return undefined;
      }
      if (form.get('decision') === 'deny') {
        pending.delete(txn);
        return { grant, user: undefined };
      }
      const user = config.users.find(
        (u) => u.username === form.get('username') && u.password === form.get('password'),
      );
      if (!user) {
        sendHtml(res, 401, page(txn, 'Invalid username or password'));
        return undefined;
      }
      pending.delete(txn);
      return { grant, user };
    },
    approve(pageUrl, options = {}) {
      const user = config.users.find((u) => u.username === options.user) ?? defaultUser;
      return driveLoginPage(pageUrl, {
        username: options.user ?? user.username,
        password: options.password ?? user.password,
        deny: options.deny,
      });
    },
  };
}

/** Single-use authorization codes bound to a client. */
export interface CodeStore<G> {
  issue(grant: G): string;
  /**
   * Consumes `code` whatever the outcome (a replay always fails) and returns its grant when
   * it exists, has not expired and was issued to `clientId`.
   */
  redeem(code: string, clientId: string): G | undefined;
  /** The next otherwise valid redemption fails. */
  rejectNext(): void;
}

/** Creates a code store; codes live `lifetimeMs` (default 10 minutes). */
export function createCodeStore<G extends { readonly clientId: string }>(
  now: () => number,
  lifetimeMs = 600_000,
): CodeStore<G> {
  const codes = new Map<string, { grant: G; expiresAt: number }>();
  let rejectNext = false;
  return {
    issue(grant) {
      const code = randomToken();
      codes.set(code, { grant, expiresAt: now() + lifetimeMs });
      return code;
    },
    redeem(code, clientId) {
      const issued = codes.get(code);
      codes.delete(code);
      if (!issued || issued.expiresAt <= now() || issued.grant.clientId !== clientId)
        return undefined;
      if (rejectNext) {
        rejectNext = false;
        return undefined;
      }
      return issued.grant;
    },
    rejectNext() {
      rejectNext = true;
    },
  };
}

/** Opaque access tokens with an expiry. */
export interface TokenStore<T> {
  /** Issues a token carrying `value`, valid `lifetimeMs` (Infinity: until revoked). */
  issue(value: T, lifetimeMs: number): string;
  /** The value of a live token; undefined when unknown, expired or revoked. */
  find(token: string | undefined): T | undefined;
  /** Tokens issued so far, oldest first (including expired ones). */
  readonly issued: readonly string[];
  /** Makes every token issued so far expired. */
  expireAll(): void;
}

/** Creates a token store reading time from `now`. */
export function createTokenStore<T>(now: () => number): TokenStore<T> {
  const tokens = new Map<string, { value: T; expiresAt: number }>();
  return {
    issue(value, lifetimeMs) {
      const token = randomToken();
      tokens.set(token, { value, expiresAt: now() + lifetimeMs });
      return token;
    },
    find(token) {
      const found = tokens.get(token ?? '');
      return found && found.expiresAt > now() ? found.value : undefined;
    },
    get issued() {
      return [...tokens.keys()];
    },
    expireAll() {
      for (const entry of tokens.values()) entry.expiresAt = -Infinity;
    },
  };
}
