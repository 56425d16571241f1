/**
 * Server-rendered pages of the example app, as plain template strings.
 *
 * Every dynamic value goes through `escapeHtml` (or `attr`) before it reaches the markup: claims
 * come from the identity provider and the login name from the user, so none of it is trusted.
 * There is no inline script or style anywhere, so the strict Content-Security-Policy set in
 * app.ts holds; all styling lives in public/styles.css.
 */
import escapeHtml from 'escape-html';
import type { OAuthChooserPageContext, OAuthUser } from 'express-oauth-rp';

import type { AlgoregCall, AlgoregView } from './algoreg-demo.js';

/** What to type at a demo provider's login page. */
export interface DemoLogin {
  readonly username: string;
  /** Undefined when any password is accepted. */
  readonly password?: string;
}

/** An identity provider the app offers. */
export interface ExampleProvider {
  /** Its name in `req.oauthUser.provider` (`default` for the single configured provider). */
  readonly name: string;
  /** For humans, e.g. "Alpaca". */
  readonly label: string;
  /** The route that starts its login, e.g. `/login/alpaca`. */
  readonly loginPath: string;
  /** The demo user to sign in as; undefined with a real provider. */
  readonly demoLogin: DemoLogin | undefined;
  /** Who the application lets in with it (its `allow` rule), in words; undefined: everyone. */
  readonly allowRule?: string;
}

/** What every page needs to know about the app. */
export interface PageContext {
  /** The signed-in user, or undefined. */
  user: OAuthUser | undefined;
  /** The providers offered, in order; at least one. */
  providers: readonly ExampleProvider[];
  /** Whether the home page tries a silent login (`prompt=none`) once per browser session. */
  silentLogin?: boolean;
}

/** The demo login in words, e.g. `alice / alice-password` or `demo with any password`. */
export function describeDemoLogin(login: DemoLogin): string {
  return login.password === undefined
    ? `${login.username} with any password`
    : `${login.username} / ${login.password}`;
}

export interface ErrorView {
  status: number;
  title: string;
  message: string;
  /** The stable error code, e.g. OAUTH_ACCESS_DENIED. */
  code?: string;
  /** The error's message for developers, shown in the small print. */
  detail?: string;
  /** What the provider said (its `error` and `error_description`). */
  providerError?: string;
  /** What to do now; default back to the home page. */
  nextStep?: { readonly label: string; readonly href: string };
  /** Seconds before trying again makes sense. */
  retryAfter?: number;
}

const APP_NAME = 'Example RP';

/** The page around `main`: header with navigation, footer; shared by every page of the app. */
export function layout(title: string, context: PageContext, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${APP_NAME}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/styles.css">
</head>
<body>
<header class="topbar">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">◆</span> ${APP_NAME}</a>
  <nav>${navigation(context.user)}</nav>
</header>
<main>
${main}
</main>
<footer>${footerProviders(context.providers)} · built with <code>express-oauth-rp</code></footer>
</body>
</html>`;
}

function footerProviders(providers: readonly ExampleProvider[]): string {
  const [only] = providers;
  return providers.length === 1 && only !== undefined
    ? `Signing in with ${escapeHtml(only.label)}`
    : `Signing in with ${providers.length} providers`;
}

/** The label of the provider that signed `user` in. */
export function providerLabel(context: PageContext, user: OAuthUser): string {
  return context.providers.find((p) => p.name === user.provider)?.label ?? user.provider;
}

function navigation(user: OAuthUser | undefined): string {
  if (user === undefined) {
    return `<a href="/algoreg">Algoreg API</a>
  <a class="button small" href="/login?returnTo=/profile">Log in</a>`;
  }
  return `<a href="/profile">Profile</a>
  <a href="/account/security">Security</a>
  <a href="/algoreg">Algoreg API</a>
  ${logoutButton('small')}`;
}

/** Logout changes state, so it is a POST form; the middleware checks it comes from this site. */
export function logoutButton(size: 'small' | 'normal' = 'normal'): string {
  const sizeClass = size === 'small' ? ' small' : '';
  return `<form class="inline" method="post" action="/logout"><button class="button secondary${sizeClass}" type="submit">Log out</button></form>`;
}

function displayName(user: OAuthUser): string {
  return user.name ?? user.email ?? user.sub;
}

function initials(user: OAuthUser): string {
  const letters = displayName(user)
    .split(/[\s@._-]+/)
    .filter((part) => part !== '')
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join('');
  return letters === '' ? '?' : letters;
}

function avatar(user: OAuthUser): string {
  // Only http(s) pictures: a `javascript:` or `data:` URL from a claim has no place in src.
  // The picture lies over the initials; styles.css shows them again if it fails to load.
  const letters = escapeHtml(initials(user));
  const picture =
    user.picture !== undefined && /^https?:\/\//i.test(user.picture)
      ? `<img src="${escapeHtml(user.picture)}" alt="" data-initials="${letters}" referrerpolicy="no-referrer">`
      : '';
  return `<span class="avatar" aria-hidden="true">${letters}${picture}</span>`;
}

function loginLink(provider: ExampleProvider, text: string): string {
  return `<a class="button" href="${escapeHtml(provider.loginPath)}?returnTo=/profile">${escapeHtml(text)}</a>`;
}

/** `<kbd>alice</kbd> / <kbd>alice-password</kbd>`, or `<kbd>demo</kbd> with any password`. */
function demoLoginHtml(login: DemoLogin): string {
  const password =
    login.password === undefined
      ? ' with any password'
      : ` / <kbd>${escapeHtml(login.password)}</kbd>`;
  return `<kbd>${escapeHtml(login.username)}</kbd>${password}`;
}

function loginChoices(providers: readonly ExampleProvider[]): string {
  const [only] = providers;
  if (providers.length === 1 && only !== undefined) {
    const hint =
      only.demoLogin === undefined
        ? ''
        : `\n  <p class="hint">Demo provider: sign in as ${demoLoginHtml(only.demoLogin)}, then allow access.</p>`;
    return `<p>${loginLink(only, `Log in with ${only.label}`)}</p>${hint}`;
  }
  const rows = providers
    .map((provider) => {
      const rule =
        provider.allowRule === undefined
          ? ''
          : `<span class="rule">${escapeHtml(provider.allowRule)}</span>`;
      const hint =
        provider.demoLogin === undefined
          ? ''
          : `<span class="credentials">${demoLoginHtml(provider.demoLogin)}${rule}</span>`;
      return `    <li>${loginLink(provider, `Log in with ${provider.label}`)}${hint}</li>`;
    })
    .join('\n');
  const demo = providers.some((provider) => provider.demoLogin !== undefined)
    ? `\n  <p class="hint">These providers all run on your machine: the OpenID Provider inside
  this app, the others as simulators of real providers, each on its own port. Sign in as the
  demo user shown beside each button (the login pages show it too), then allow access.
  The fifth, Algoreg, has no sign-in: it is an API this server calls on its own behalf, shown on
  the <a href="/algoreg">Algoreg API</a> page.</p>`
    : '';
  return `<h2>Pick a provider</h2>
  <ul class="providers">
${rows}
  </ul>${demo}`;
}

/** What the signed-out home page says of the silent login it tried. */
const SILENT_LOGIN_NOTE = `
  <p class="hint">Silent login: the first time this browser opens this page, the app asks the
  local provider, without showing anything (<code>prompt=none</code>), whether you are still
  signed in there. If you are, you come back signed in without a click; if not, you see this
  page signed out, with no error, and the app does not ask again in this browser session.</p>`;

export function homePage(context: PageContext): string {
  const { user } = context;
  if (user === undefined) {
    return layout(
      'Welcome',
      context,
      `<section class="card">
  <h1>Sign in with OAuth 2.0 and OpenID Connect</h1>
  <p class="lead">This small Express app is a <em>relying party</em>: it sends you to an identity
  provider to sign in, and gets back who you are, without ever seeing your password.</p>
  <ol class="steps">
    <li><strong>Log in</strong> sends you to the provider, with a one-time <code>state</code> (and PKCE where the provider takes it).</li>
    <li>The provider asks who you are and whether this app may know it.</li>
    <li>Back here, the callback route checks the answer and opens a session.</li>
  </ol>
  ${loginChoices(context.providers)}${context.silentLogin === true ? SILENT_LOGIN_NOTE : ''}
</section>`,
    );
  }
  return layout(
    'Home',
    context,
    `<section class="card">
  <div class="hello">${avatar(user)}<div><h1>Hello, ${escapeHtml(displayName(user))}</h1>
  <p class="muted">You are signed in with ${escapeHtml(providerLabel(context, user))}. Your session lives in an <code>httpOnly</code> cookie.</p></div></div>
  <div class="actions">
    <a class="button" href="/profile">View your profile</a>
    <a class="button secondary" href="/api/me">Call the protected API</a>
    ${logoutButton()}
  </div>
</section>`,
  );
}

const TIME_CLAIMS = new Set(['iat', 'exp', 'auth_time', 'nbf', 'updated_at']);

/** A claim for the table: strings as text, anything else (numbers, objects...) as JSON. */
function claimValue(name: string, value: unknown): string {
  if (typeof value === 'string') return escapeHtml(value);
  const json = escapeHtml(JSON.stringify(value) ?? String(value));
  if (TIME_CLAIMS.has(name) && typeof value === 'number') {
    const date = new Date(value * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
    return `${json} <span class="muted">(${escapeHtml(date)})</span>`;
  }
  return `<code>${json}</code>`;
}

export function profilePage(context: PageContext & { user: OAuthUser }): string {
  const { user } = context;
  const rows = Object.entries(user.claims)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, value]) =>
        `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td>${claimValue(name, value)}</td></tr>`,
    )
    .join('\n');
  const verified =
    user.emailVerified === undefined
      ? ''
      : user.emailVerified
        ? ' <span class="badge ok">verified</span>'
        : ' <span class="badge warn">not verified</span>';
  // Without a name the heading is the email already; say it once (unless there is a badge).
  const email =
    user.email === undefined || (user.email === displayName(user) && verified === '')
      ? ''
      : `<p class="email">${escapeHtml(user.email)}${verified}</p>`;
  // Plain OAuth 2.0 providers have no issuer claim; their profile is whatever their API returns.
  const issuer =
    typeof user.claims.iss === 'string'
      ? `\n    <dt>Issuer (<code>iss</code>)</dt><dd><code>${escapeHtml(user.claims.iss)}</code></dd>`
      : '';
  return layout(
    'Profile',
    context,
    `<section class="card">
  <div class="hello">${avatar(user)}<div><h1>${escapeHtml(displayName(user))}</h1>${email}</div></div>
  <dl class="facts">
    <dt>Signed in with</dt><dd>${escapeHtml(providerLabel(context, user))} <span class="muted">(<code>${escapeHtml(user.provider)}</code>)</span></dd>
    <dt>Subject (<code>sub</code>)</dt><dd><code>${escapeHtml(user.sub)}</code></dd>${issuer}
  </dl>
  <h2>All claims</h2>
  <p class="muted">Everything the provider said about you, from <code>req.oauthUser.claims</code>.</p>
  <div class="table-wrap"><table class="claims">
<thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
  <div class="actions">
    <a class="button secondary" href="/api/me">See it as JSON</a>
    <a class="button secondary" href="/account/security">Account security</a>
    ${logoutButton()}
  </div>
</section>`,
  );
}

export function errorPage(context: PageContext, error: ErrorView): string {
  const next = error.nextStep ?? { label: 'Back to the home page', href: '/' };
  const retry =
    error.retryAfter === undefined
      ? ''
      : `\n  <p>Try again in ${error.retryAfter} second${error.retryAfter === 1 ? '' : 's'}.</p>`;
  const home =
    next.href === '/' ? '' : '<a class="button secondary" href="/">Back to the home page</a>';
  const details = [
    error.code === undefined
      ? ''
      : `<p>Error code: <code class="code">${escapeHtml(error.code)}</code>${
          error.detail === undefined ? '' : ` — ${escapeHtml(error.detail)}`
        }</p>`,
    error.providerError === undefined
      ? ''
      : `<p>The provider said: <code>${escapeHtml(error.providerError)}</code></p>`,
  ].join('');
  const fine = details === '' ? '' : `\n  <div class="fine"><p>For developers:</p>${details}</div>`;
  return layout(
    error.title,
    context,
    `<section class="card error">
  <p class="status">Error ${error.status}</p>
  <h1>${escapeHtml(error.title)}</h1>
  <p class="lead">${escapeHtml(error.message)}</p>${retry}
  <div class="actions"><a class="button" href="${escapeHtml(next.href)}">${escapeHtml(next.label)}</a>${home}</div>${fine}
</section>`,
  );
}

/** GET /login with several providers, rendered by the app through the middleware's `pages`. */
export function chooserPage(context: PageContext, chooser: OAuthChooserPageContext): string {
  const rows = chooser.providers
    .map((provider) => {
      const demo = context.providers.find((p) => p.name === provider.name)?.demoLogin;
      const hint =
        demo === undefined ? '' : `<span class="credentials">${demoLoginHtml(demo)}</span>`;
      return `    <li><a class="button" href="${escapeHtml(provider.loginUrl)}">Continue with ${escapeHtml(provider.label)}</a>${hint}</li>`;
    })
    .join('\n');
  return layout(
    'Sign in',
    context,
    `<section class="card">
  <h1>Sign in</h1>
  <p class="lead">Choose a provider. You will come back here once you are signed in.</p>
  <ul class="providers">
${rows}
  </ul>
</section>`,
  );
}

function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'} ${seconds % 60} s`;
}

function callResult(call: AlgoregCall | undefined, now: number): string {
  if (call === undefined) return '<p class="muted">Not called yet.</p>';
  const requests =
    call.tokenRequests === 0
      ? 'no request to the token endpoint'
      : `${call.tokenRequests} request${call.tokenRequests === 1 ? '' : 's'} to the token endpoint`;
  const when = `${age(now - call.at)} ago, ${requests}`;
  if (call.ok) {
    return `<p><span class="badge ok">${call.status}</span> <span class="muted">${escapeHtml(when)}</span></p>
  <pre class="json">${escapeHtml(JSON.stringify(call.body, null, 2))}</pre>`;
  }
  const status = call.code ?? `HTTP ${call.status}`;
  const retry =
    call.retryAfter === undefined
      ? ''
      : `<p class="muted">Next attempt allowed in ${call.retryAfter} s; until then every call fails at once, without a request.</p>`;
  return `<p><span class="badge warn">${escapeHtml(status)}</span> <span class="muted">${escapeHtml(when)}</span></p>
  <p class="message">${escapeHtml(call.message ?? JSON.stringify(call.body))}</p>${retry}`;
}

/** The server-to-server page: Algoreg's API called with the token client. */
export function algoregPage(context: PageContext, view: AlgoregView | undefined): string {
  if (view === undefined) {
    return layout(
      'Algoreg API',
      context,
      `<section class="card">
  <h1>Algoreg API</h1>
  <p class="lead">The Algoreg demo runs with the demo providers only: start the app without the
  <code>OIDC_*</code> variables to try it.</p>
</section>`,
    );
  }
  const now = Date.now();
  const token =
    view.tokenIssuedAt === undefined
      ? 'No token yet: the first call asks for one.'
      : `Cached token issued ${age(now - view.tokenIssuedAt)} ago (valid ${view.tokenLifetime / 3600} hour); calls reuse it.`;
  const lock = view.locked
    ? '<span class="badge warn">locked</span>'
    : '<span class="badge ok">not locked</span>';
  return layout(
    'Algoreg API',
    context,
    `<section class="card">
  <h1>Algoreg: server to server</h1>
  <p class="lead">No one signs in here. The server calls Algoreg's API as its programmatic user
  <code>${escapeHtml(view.username)}</code>, with <code>createTokenClient(algoreg(...))</code>: a
  one-hour token from <code>/api/v1/token</code>, cached and reused.</p>
  <dl class="facts">
    <dt>API</dt><dd><code>${escapeHtml(view.apiBaseURL)}</code> (the Algoreg simulator)</dd>
    <dt>Token</dt><dd>${escapeHtml(token)}</dd>
    <dt>Account</dt><dd>${lock} <span class="muted">${view.failures} wrong password${view.failures === 1 ? '' : 's'} in a row; Algoreg locks it at ${view.lockThreshold}</span></dd>
  </dl>

  <h2>Call <code>GET /api/v1/me</code></h2>
  <form method="post" action="/algoreg/call"><button class="button" type="submit">Call the API</button></form>
  ${callResult(view.lastCall, now)}

  <h2>With a wrong password</h2>
  <p class="muted">A second client has a typo in its password. Its first call is refused
  (<code>OAUTH_CREDENTIALS_REJECTED</code>); every later call fails at once, without asking
  Algoreg, for the ${view.cooldown / 60}-minute cool-down, then one new attempt is made. After
  ${view.maxRejections} refusals in a row the client stops sending the password until it is
  replaced by a client with the right one or <code>client.resetCredentials()</code> is called,
  which this app never does. Algoreg locks an account after ${view.lockThreshold} wrong passwords
  in a row; this app sends at most ${view.maxRejections} in all.</p>
  <form method="post" action="/algoreg/wrong-password"><button class="button secondary" type="submit">Call with the wrong password</button></form>
  ${callResult(view.lastWrongPassword, now)}
</section>`,
  );
}
