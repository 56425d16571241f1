/**
 * The "requires recent sign-in" page (`/account/security`): what a bank shows before a password
 * change or a payment. The route is guarded by `requireAuth({ maxAge })` (app.ts), so the page
 * itself only renders the sign-in it was let in with and explains the rule in words.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up authentication)
 */
import escapeHtml from 'escape-html';
import type { OAuthUser } from 'express-oauth-rp';

import { layout, logoutButton, providerLabel } from './views.js';
import type { PageContext } from './views.js';

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
export function describeSeconds(seconds: number): string {
  const [count, unit] = wholeUnits(seconds);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** `the last minute`, `the last 5 minutes`. */
export function lastPeriod(seconds: number): string {
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
export function authTimeOf(user: OAuthUser): number | undefined {
  const authTime = user.claims.auth_time;
  return typeof authTime === 'number' && Number.isFinite(authTime) ? authTime : undefined;
}

/**
 * The page for a user the guard let in: the sign-in is recent, and `authTime` is its
 * `auth_time` (`requireAuth({ maxAge })` lets no sign-in without one through).
 */
export function securityPage(
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
