import { OAuthError } from '../errors.js';

/** What a valid logout token says. */
export interface LogoutClaims {
  /** The provider's issuer identifier, as checked. */
  readonly issuer: string;
  readonly sub: string | undefined;
  readonly sid: string | undefined;
  readonly jti: string;
  /** Epoch seconds. */
  readonly iat: number;
  /** Epoch seconds until which the token could be replayed. */
  readonly exp: number | undefined;
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** How old a logout token may be; the specification leaves it to the RP and recommends "a few minutes". */
const MAX_AGE_SECONDS = 300;

function refuse(reason: string): OAuthError {
  return new OAuthError(`the logout token is invalid: ${reason}`, {
    code: 'OAUTH_LOGOUT_TOKEN_INVALID',
  });
}

function optionalString(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw refuse(`"${name}" must be a non-empty string`);
  return value;
}

/**
 * Checks a logout token's claims (its signature was checked against the provider's JWKS first).
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export function checkLogoutClaims(
  claims: Record<string, unknown>,
  expected: { issuer: string; clientId: string; clockTolerance: number; now?: number },
): LogoutClaims {
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const tolerance = expected.clockTolerance;
  if (claims.iss !== expected.issuer) throw refuse('"iss" is not the provider\'s issuer');
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expected.clientId)) throw refuse('"aud" does not name this client');
  if (
    Array.isArray(aud) &&
    aud.length > 1 &&
    claims.azp !== undefined &&
    claims.azp !== expected.clientId
  ) {
    throw refuse('"azp" names another client');
  }
  const iat = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('"iat" is missing');
  if (iat > now + tolerance) throw refuse('"iat" lies in the future');
  if (iat < now - MAX_AGE_SECONDS - tolerance)
    throw refuse(`"iat" is more than ${MAX_AGE_SECONDS} seconds old`);
  const exp = claims.exp;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now - tolerance)) {
    throw refuse('"exp" has passed');
  }
  const events = claims.events;
  const event =
    typeof events === 'object' && events !== null && !Array.isArray(events)
      ? (events as Record<string, unknown>)[EVENT]
      : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw refuse(`"events" must hold the member "${EVENT}" with an object value`);
  }
  // An ID token carries a nonce; a logout token must not, so one cannot pass for the other.
  if (claims.nonce !== undefined) throw refuse('it carries a "nonce"');
  const sub = optionalString(claims, 'sub');
  const sid = optionalString(claims, 'sid');
  if (sub === undefined && sid === undefined) throw refuse('it names neither "sub" nor "sid"');
  const jti = optionalString(claims, 'jti');
  if (jti === undefined) throw refuse('"jti" is missing');
  return {
    issuer: expected.issuer,
    sub,
    sid,
    jti,
    iat,
    exp: typeof exp === 'number' ? exp : undefined,
  };
}

/** Logout token ids seen recently, so each token ends sessions once. */
export class SeenTokens {
  readonly #seen = new Map<string, number>();

  /** False when the id was seen already (a replay); records it otherwise. */
  remember(id: string, until: number, now = Date.now() / 1000): boolean {
    for (const [seenId, expiry] of this.#seen) {
      if (expiry < now) this.#seen.delete(seenId);
    }
    if (this.#seen.has(id)) return false;
    if (this.#seen.size >= 10_000) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    this.#seen.set(id, until);
    return true;
  }
}
