import { OAuthError } from '../errors.js';
import type { OAuthUser } from '../session/user.js';

/**
 * Step-up authentication: what a route asks of the sign-in (`acr`, `maxAge`), what falls short,
 * and the checks the callback makes of what the provider then delivered.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (acr_values, max_age)
 */

/** What a route requires; internal. */
export interface StepUpRule {
  /** One of these `acr` values. */
  readonly acr: readonly string[] | undefined;
  /** Seconds since `auth_time`. */
  readonly maxAge: number | undefined;
}

/** The authorization parameters that ask for what the sign-in lacks, or undefined when it has it. */
export function missingAuthentication(
  rule: StepUpRule,
  user: OAuthUser,
  now: number,
  clockTolerance: number,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const acr = user.claims.acr;
  if (rule.acr !== undefined && (typeof acr !== 'string' || !rule.acr.includes(acr))) {
    params.acr_values = rule.acr.join(' ');
  }
  const authTime = user.claims.auth_time;
  if (
    rule.maxAge !== undefined &&
    (typeof authTime !== 'number' || now / 1000 - authTime > rule.maxAge + clockTolerance)
  ) {
    params.max_age = String(rule.maxAge);
    // The provider's session is too old: ask for the credentials again, not just the session.
    params.prompt = 'login';
  }
  return Object.keys(params).length === 0 ? undefined : params;
}

/** The error of a route whose sign-in is not strong or recent enough. */
export function insufficientAuthentication(message: string, status?: number): OAuthError {
  return new OAuthError(message, {
    code: 'OAUTH_INSUFFICIENT_AUTHENTICATION',
    error: 'insufficient_user_authentication',
    ...(status === undefined ? {} : { status }),
  });
}

/** RFC 9470 §3: the challenge that tells an API client what to come back with. */
export function stepUpChallenge(params: Readonly<Record<string, string>>): string {
  const parts = ['Bearer error="insufficient_user_authentication"'];
  parts.push('error_description="a stronger or more recent authentication is required"');
  if (params.acr_values !== undefined) parts.push(`acr_values="${params.acr_values}"`);
  if (params.max_age !== undefined) parts.push(`max_age=${params.max_age}`);
  return parts.join(', ');
}

/**
 * At the callback of a login that asked for `max_age`: the sign-in must say when it happened and
 * be recent enough (OIDC Core 3.1.2.1). openid-client checks an ID token's `auth_time`; this is
 * the same rule for every provider, so a plain OAuth 2.0 sign-in, which never states `auth_time`,
 * cannot satisfy a step-up and come back for another round trip.
 */
export function checkDeliveredAuthTime(
  maxAge: number | undefined,
  user: OAuthUser,
  now: number,
  clockTolerance: number,
): void {
  if (maxAge === undefined) return;
  const authTime = user.claims.auth_time;
  if (typeof authTime !== 'number') {
    throw insufficientAuthentication(
      `the provider did not say when the user signed in (no "auth_time"), and this page needs a sign-in within ${maxAge} seconds`,
    );
  }
  if (now / 1000 - authTime > maxAge + clockTolerance) {
    throw insufficientAuthentication(
      `the provider's sign-in is older than the ${maxAge} seconds this page allows`,
    );
  }
}

/**
 * At the callback of a step-up: the ID token must carry one of the `acr` values asked for.
 * Otherwise the session keeps its previous sign-in.
 */
export function checkDeliveredAcr(requested: readonly string[] | undefined, user: OAuthUser): void {
  if (requested === undefined) return;
  const acr = user.claims.acr;
  if (typeof acr !== 'string' || !requested.includes(acr)) {
    throw insufficientAuthentication(
      `the provider signed the user in at ${typeof acr === 'string' ? `"${acr}"` : 'an unstated level'}, not at ${requested.map((value) => `"${value}"`).join(' or ')} as this page requires`,
    );
  }
}
