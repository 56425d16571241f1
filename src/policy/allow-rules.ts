import type { ResolvedAllow } from '../options/policy.js';
import type { OAuthUser } from '../session/user.js';

/** The value at a dotted path of the claims (`realm_access.roles`), if any. */
function claimAt(claims: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let current: unknown = claims;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Whether a claim's value meets a condition: equal to, or (for an array claim) containing, any accepted value. */
function accepts(found: unknown, accepted: readonly unknown[]): boolean {
  const values: unknown[] = Array.isArray(found) ? found : [found];
  return accepted.some((expected) => values.includes(expected));
}

/**
 * The first `allow` rule the user fails, described for the log (never for the page), or
 * undefined when every rule passes.
 */
export function failedAllowRule(rules: ResolvedAllow, user: OAuthUser): string | undefined {
  if (rules.emailDomains !== undefined) {
    const email = user.email ?? (typeof user.claims.email === 'string' ? user.claims.email : '');
    const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : '';
    if (!rules.emailDomains.includes(domain)) {
      return `emailDomains: the email domain "${domain}" is not one of ${rules.emailDomains.join(', ')}`;
    }
  }
  if (rules.emailVerified && user.emailVerified !== true && user.claims.email_verified !== true) {
    return 'emailVerified: the provider does not say the email is verified';
  }
  for (const [path, accepted] of rules.claims) {
    if (!accepts(claimAt(user.claims, path), accepted)) {
      return `claims.${path.join('.')}: the claim is not ${accepted.map((value) => JSON.stringify(value)).join(' or ')}`;
    }
  }
  return undefined;
}
