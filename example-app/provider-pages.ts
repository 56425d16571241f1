/**
 * The embedded OpenID Provider's pages (sign-in, consent, sign-out, errors), in the example app's
 * style but branded as the provider, so a newcomer sees where they are: the app sends them to
 * the provider and the provider sends them back. Stylesheet and favicon come from the app's own
 * origin; nothing is fetched from anywhere else, and no script or inline style is used.
 */
import escapeHtml from 'escape-html';

import type { DemoLogin } from './views.js';

export const PROVIDER_NAME = 'Local OpenID Provider';

function providerLayout(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${PROVIDER_NAME}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/styles.css">
</head>
<body class="provider">
<header class="topbar">
  <span class="brand"><span class="logo provider-logo" aria-hidden="true">◎</span> ${PROVIDER_NAME}</span>
  <span class="badge warn">demo</span>
</header>
<main class="narrow">
${main}
</main>
<footer>An OpenID Provider inside the example app (oidc-provider), for trying sign-in offline.</footer>
</body>
</html>`;
}

/** The sign-in form; its hidden `prompt` and `login` field follow oidc-provider's own pages. */
export function providerLoginPage(options: {
  action: string;
  abortUrl: string;
  clientName: string;
  demo: DemoLogin;
  error?: string;
}): string {
  const error =
    options.error === undefined
      ? ''
      : `\n  <p class="alert" role="alert">${escapeHtml(options.error)}</p>`;
  return providerLayout(
    'Sign in',
    `<section class="card">
  <h1>Sign in</h1>
  <p class="muted">to continue to <strong>${escapeHtml(options.clientName)}</strong></p>${error}
  <p class="hint">Demo: sign in as <kbd>${escapeHtml(options.demo.username)}</kbd> with any password.</p>
  <form class="stack" method="post" action="${escapeHtml(options.action)}">
    <input type="hidden" name="prompt" value="login">
    <label for="login">Username</label>
    <input id="login" name="login" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <div class="actions">
      <button class="button" type="submit">Sign in</button>
      <a class="button secondary" href="${escapeHtml(options.abortUrl)}">Cancel</a>
    </div>
  </form>
</section>`,
  );
}

/** What each scope lets the app know, in words. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: 'Know that it is you, with an identifier that stays the same for your account',
  profile: 'See your name and username (and your picture, if you have one)',
  email: 'See your email address, and whether it has been verified',
  offline_access: 'Stay connected to your account while you are away',
};

export function providerConsentPage(options: {
  action: string;
  abortUrl: string;
  clientName: string;
  accountId: string;
  scopes: readonly string[];
}): string {
  const items = options.scopes
    .map(
      (scope) =>
        `<li>${escapeHtml(SCOPE_WORDS[scope] ?? `Use the “${scope}” permission`)} <span class="muted">(<code>${escapeHtml(scope)}</code>)</span></li>`,
    )
    .join('\n      ');
  return providerLayout(
    'Allow access',
    `<section class="card">
  <h1>Allow ${escapeHtml(options.clientName)} to know who you are?</h1>
  <p class="muted">Signed in as <strong>${escapeHtml(options.accountId)}</strong>. ${escapeHtml(options.clientName)} will be able to:</p>
  <ul class="scopes">
      ${items}
  </ul>
  <p class="muted">It never sees your password. You can sign out of it at any time.</p>
  <form method="post" action="${escapeHtml(options.action)}">
    <input type="hidden" name="prompt" value="consent">
    <div class="actions">
      <button class="button" type="submit">Allow</button>
      <a class="button secondary" href="${escapeHtml(options.abortUrl)}">Deny</a>
    </div>
  </form>
</section>`,
  );
}

/**
 * RP-initiated logout. The app has already ended its own session when it sends the browser
 * here, so the only question left is the provider's session, and both answers do what they say.
 * Visited directly (no app named), it only offers to end the provider's session. `form` is
 * oidc-provider's hidden form (its xsrf token); the buttons submit it.
 */
export function providerLogoutPage(
  form: string,
  clientName: string | undefined,
  accountId: string | undefined,
): string {
  const who = accountId === undefined ? '' : ` as <strong>${escapeHtml(accountId)}</strong>`;
  const [heading, text, stay] =
    clientName === undefined
      ? [
          'Sign out of the provider?',
          `${accountId === undefined ? '' : `You are signed in here${who}. `}Signing out of the ${PROVIDER_NAME} ends its session in this browser: your next sign-in with it will ask for your password.`,
          'No, stay signed in',
        ]
      : [
          'Also sign out of the provider?',
          `${escapeHtml(clientName)} has signed you out. You are still signed in here${who}, at the ${PROVIDER_NAME}, so your next sign-in with it will not ask for a password.`,
          'No, stay signed in to the provider',
        ];
  return providerLayout(
    'Sign out',
    `<section class="card">
  ${form}
  <h1>${heading}</h1>
  <p>${text}</p>
  <div class="actions">
    <button class="button" autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
    <button class="button secondary" type="submit" form="op.logoutForm">${stay}</button>
  </div>
</section>`,
  );
}

export function providerSignedOutPage(): string {
  return providerLayout(
    'Signed out',
    `<section class="card">
  <h1>Signed out</h1>
  <p>You have been signed out of the ${PROVIDER_NAME}.</p>
</section>`,
  );
}

/** An error at the provider: what it said, never its internals (state, nonce, stack). */
export function providerErrorPage(error: string, description: string | undefined): string {
  const detail = description === undefined ? '' : `<p class="muted">${escapeHtml(description)}</p>`;
  return providerLayout(
    'Something went wrong',
    `<section class="card error">
  <h1>The provider could not go on</h1>
  ${detail}
  <p class="muted">Error: <code class="code">${escapeHtml(error)}</code></p>
  <div class="actions"><a class="button secondary" href="/">Back to the example app</a></div>
</section>`,
  );
}
