/**
 * The "requires recent sign-in" page (`/account/security`): what a bank shows before a password
 * change or a payment. Its route is guarded by `requireAuth({ maxAge })`, so the page itself only
 * shows the sign-in it was let in with and explains the rule in words. app.ts mounts it and reads
 * the threshold from EXAMPLE_RECENT_SIGN_IN_SECONDS.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up authentication)
 */
import escapeHtml from 'escape-html';
import type { Request, RequestHandler, Response } from 'express';
import { requireAuth } from 'express-oauth-rp';
import type {
  OAuthMultiProviderOptions,
  OAuthOidcProvider,
  OAuthProviderOptions,
  OAuthUser,
} from 'express-oauth-rp';

import { layout, logoutButton, providerLabel } from './views.js';
import type { ErrorView, PageContext } from './views.js';

/** Where the page lives; the navigation and the profile link to it. */
export const SECURITY_PATH = '/account/security';

/** How recent a sign-in the page asks for, and the allowance the middleware adds. */
export interface RecentSignInRule {
  /** `requireAuth({ maxAge })`: seconds since the user last entered their credentials. */
  readonly maxAge: number;
  /** The middleware's `clockTolerance`, in seconds, which the check adds to `maxAge`. */
  readonly clockTolerance: number;
}

/** A duration in its largest whole unit: `[1, 'minute']`, `[90, 'second']`, `[2, 'hour']`. */
function wholeUnits(seconds: number): [count: number, unit: string] {
  if (seconds >= 3600 && seconds % 3600 === 0) return [seconds / 3600, 'hour'];
  if (seconds >= 60 && seconds % 60 === 0) return [seconds / 60, 'minute'];
  return [seconds, 'second'];
}

/** `1 minute`, `90 seconds`, `2 hours`. */
function describeSeconds(seconds: number): string {
  const [count, unit] = wholeUnits(seconds);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** `the last minute`, `the last 5 minutes`. */
function lastPeriod(seconds: number): string {
  const [count, unit] = wholeUnits(seconds);
  return count === 1 ? `the last ${unit}` : `the last ${count} ${unit}s`;
}

/** A moment for people (`2026-12-06 13:40:12 UTC`) inside a `<time>` machines can read. */
function timeElement(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const text = iso.replace('T', ' ').replace('Z', ' UTC');
  return `<time datetime="${iso}">${text}</time>`;
}

/** The sign-in time from the ID token, when the provider stated one. */
function authTimeOf(user: OAuthUser): number | undefined {
  const authTime = user.claims.auth_time;
  return typeof authTime === 'number' && Number.isFinite(authTime) ? authTime : undefined;
}

/**
 * The page for a user the guard let in: the sign-in is recent, and `authTime` is its
 * `auth_time` (`requireAuth({ maxAge })` lets no sign-in without one through).
 */
function securityPage(
  context: PageContext & { user: OAuthUser },
  rule: RecentSignInRule,
  authTime: number,
  now: number,
): string {
  const { user } = context;
  const provider = escapeHtml(providerLabel(context, user));
  const ago = Math.max(0, Math.floor(now / 1000) - authTime);
  const recent = describeSeconds(rule.maxAge);
  // Only what the provider said: the embedded provider takes any password, so it claims no level.
  const acr =
    typeof user.claims.acr === 'string'
      ? `<code>${escapeHtml(user.claims.acr)}</code>`
      : `<span class="muted">not stated by ${provider}</span>`;
  return layout(
    'Account security',
    context,
    `<section class="card">
  <h1>Account security</h1>
  <p class="lead">A page like this one is where you would change your password or move money,
  so it asks for a recent sign-in: within ${lastPeriod(rule.maxAge)}. When yours is older, opening it
  sends you back to ${provider} to enter your password again, and then straight back here.</p>
  <dl class="facts">
    <dt>You last signed in</dt><dd>${timeElement(authTime)} <span class="muted">(${describeSeconds(ago)} ago, from the ID token's <code>auth_time</code>)</span></dd>
    <dt>Counts as recent until</dt><dd>${timeElement(authTime + rule.maxAge + rule.clockTolerance)} <span class="muted">(${recent}, plus ${describeSeconds(rule.clockTolerance)} allowed for clocks that disagree)</span></dd>
    <dt>Sign-in level (<code>acr</code>)</dt><dd>${acr}</dd>
  </dl>
  <h2>How it works</h2>
  <p>The route is guarded by <code>requireAuth({ maxAge: ${rule.maxAge} })</code>. A sign-in
  older than that is sent to the provider with <code>max_age=${rule.maxAge}</code> and
  <code>prompt=login</code>; the callback then checks that the new ID token's
  <code>auth_time</code> is recent before it replaces your sign-in. API clients get no
  redirect but a <code>401</code> with the RFC 9470 challenge,
  <code>insufficient_user_authentication</code>.</p>
  <div class="actions">
    <a class="button secondary" href="/profile">Back to your profile</a>
    ${logoutButton()}
  </div>
</section>`,
  );
}

/**
 * The providers whose sign-ins can be recent: OpenID Connect ones, whose ID token says when the
 * user signed in (`auth_time`). A plain OAuth 2.0 sign-in never says, so it is never recent.
 */
export function openIdProviderNames(
  options: OAuthOidcProvider | OAuthMultiProviderOptions,
): ReadonlySet<string> {
  // The single-provider form names its provider "default", and it is OpenID Connect.
  if (!('providers' in options)) return new Set(['default']);
  const providers: Record<string, OAuthProviderOptions> = options.providers;
  return new Set(
    Object.entries(providers)
      .filter(([, provider]) => (provider.type ?? 'oidc') === 'oidc')
      .map(([name]) => name),
  );
}

export interface SecurityPageSetup {
  readonly rule: RecentSignInRule;
  /** The providers whose ID tokens say when the user signed in (`auth_time`). */
  readonly openIdProviders: ReadonlySet<string>;
  readonly context: (req: Request) => PageContext;
  /** The app's error page (or JSON for API clients). */
  readonly sendError: (req: Request, res: Response, view: ErrorView) => void;
}

/**
 * The route: signed in, then recent enough, then the page. An older sign-in is sent back to its
 * provider with `max_age` and `prompt=login` and returns here. A plain OAuth 2.0 sign-in has no
 * `auth_time`, so it could never pass: a 403 that says so, rather than a trip to a provider
 * that cannot help (and would only send the user back to be sent there again).
 */
export function securityPageHandlers(setup: SecurityPageSetup): RequestHandler[] {
  const { rule, openIdProviders, context, sendError } = setup;
  const requireRecentSignIn = requireAuth({ maxAge: rule.maxAge });
  return [
    requireAuth(),
    (req, res, next) => {
      const user = req.oauthUser;
      if (user === undefined || openIdProviders.has(user.provider)) {
        requireRecentSignIn(req, res, next);
        return;
      }
      const providers = context(req).providers;
      const openId = providers.find((provider) => openIdProviders.has(provider.name));
      sendError(req, res, {
        status: 403,
        title: 'Recent sign-in not available',
        message:
          `This page asks for a sign-in within ${lastPeriod(rule.maxAge)}, ` +
          'and only an OpenID Connect provider says when you signed in; the one you used does not.',
        ...(openId === undefined
          ? {}
          : {
              nextStep: {
                label: `Sign in with ${openId.label}`,
                href: `${openId.loginPath}?returnTo=${encodeURIComponent(SECURITY_PATH)}`,
              },
            }),
      });
    },
    (req, res, next) => {
      const user = req.oauthUser;
      const authTime = user === undefined ? undefined : authTimeOf(user);
      // Never: requireAuth({ maxAge }) lets no sign-in without auth_time through.
      if (user === undefined || authTime === undefined) {
        next(new Error('the recent sign-in guard let a sign-in without auth_time through'));
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(securityPage({ ...context(req), user }, rule, authTime, Date.now()));
    },
  ];
}
