/**
 * Server-rendered pages of the example app, as plain template strings.
 *
 * Every dynamic value goes through `escapeHtml` (or `attr`) before it reaches the markup: claims
 * come from the identity provider and the login name from the user, so none of it is trusted.
 * There is no inline script or style anywhere, so the strict Content-Security-Policy set in
 * app.ts holds; all styling lives in public/styles.css.
 */
import escapeHtml from 'escape-html';
import type { OAuthUser } from 'express-oauth-rp';

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
}

/** What every page needs to know about the app. */
export interface PageContext {
  /** The signed-in user, or undefined. */
  user: OAuthUser | undefined;
  /** The providers offered, in order; at least one. */
  providers: readonly ExampleProvider[];
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
  /** What the provider said (its `error` and `error_description`). */
  providerError?: string;
}

const APP_NAME = 'Example RP';

function layout(title: string, context: PageContext, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${APP_NAME}</title>
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
function providerLabel(context: PageContext, user: OAuthUser): string {
  return context.providers.find((p) => p.name === user.provider)?.label ?? user.provider;
}

function navigation(user: OAuthUser | undefined): string {
  if (user === undefined) {
    return '<a class="button small" href="/login?returnTo=/profile">Log in</a>';
  }
  return `<a href="/profile">Profile</a>
  <a href="/api/me">API</a>
  ${logoutButton('small')}`;
}

/** Logout changes state, so it is a POST form; the middleware checks it comes from this site. */
function logoutButton(size: 'small' | 'normal' = 'normal'): string {
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
      const hint =
        provider.demoLogin === undefined
          ? ''
          : `<span class="credentials">${demoLoginHtml(provider.demoLogin)}</span>`;
      return `    <li>${loginLink(provider, `Log in with ${provider.label}`)}${hint}</li>`;
    })
    .join('\n');
  const demo = providers.some((provider) => provider.demoLogin !== undefined)
    ? `\n  <p class="hint">These providers all run on your machine: the OpenID Provider inside
  this app, the others as simulators of real providers, each on its own port. Sign in as the
  demo user shown beside each button (the login pages show it too), then allow access.</p>`
    : '';
  return `<h2>Pick a provider</h2>
  <ul class="providers">
${rows}
  </ul>${demo}`;
}

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
  ${loginChoices(context.providers)}
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
    ${logoutButton()}
  </div>
</section>`,
  );
}

export function errorPage(context: PageContext, error: ErrorView): string {
  const code =
    error.code === undefined
      ? ''
      : `<p class="muted">Error code: <code class="code">${escapeHtml(error.code)}</code></p>`;
  const provider =
    error.providerError === undefined
      ? ''
      : `<p class="muted">The provider said: <code>${escapeHtml(error.providerError)}</code></p>`;
  const retry =
    error.code !== undefined && error.code.startsWith('OAUTH_') && context.user === undefined
      ? '<a class="button" href="/login?returnTo=/profile">Try again</a>'
      : '';
  return layout(
    error.title,
    context,
    `<section class="card error">
  <p class="status">${error.status}</p>
  <h1>${escapeHtml(error.title)}</h1>
  <p class="lead">${escapeHtml(error.message)}</p>
  ${provider}
  ${code}
  <div class="actions">${retry}<a class="button secondary" href="/">Back to the home page</a></div>
</section>`,
  );
}
