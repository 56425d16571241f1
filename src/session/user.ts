import { OAuthError } from '../errors.js';
import type { OAuthMapUser, OAuthUserProfile } from '../options/profile-types.js';

/** The signed-in user, as `req.oauthUser` shows it to every handler after the middleware. */
export interface OAuthUser {
  /** The provider's stable identifier of the user (the ID token's `sub`, or the profile's id). */
  readonly sub: string;
  /** The configured provider that signed the user in (`"default"` in the single-provider form). */
  readonly provider: string;
  /**
   * The user's display name, when the provider gave one (`name` by default).
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
   */
  readonly name?: string;
  /**
   * The user's e-mail address, when the provider gave one. Check `emailVerified` before trusting
   * it as an identity.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
   */
  readonly email?: string;
  /**
   * Whether the provider verified `email` (the `email_verified` claim); absent when it did not say.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
   */
  readonly emailVerified?: boolean;
  /**
   * The URL of the user's profile picture, when the provider gave one.
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
   */
  readonly picture?: string;
  /** Every identity claim the provider gave: ID token and userinfo claims, or the raw profile. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Claims that only protect the protocol, and claim-source references (aggregated and distributed
 * claims, which may carry an access token for another server and are never fetched): they say
 * nothing about the user and are not kept.
 */
const PROTOCOL_CLAIMS = new Set([
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  '_claim_names',
  '_claim_sources',
]);

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function identifier(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return optionalString(value);
}

/**
 * The default mapping of a profile: `sub` (or `id`, `user_id`), `name`, `email`,
 * `email_verified`, `picture`. Presets bring their own for providers that name them otherwise.
 */
export const defaultMapUser: OAuthMapUser = (profile) => ({
  sub: identifier(profile.sub) ?? identifier(profile.id) ?? identifier(profile.user_id) ?? '',
  name: optionalString(profile.name),
  email: optionalString(profile.email),
  emailVerified: typeof profile.email_verified === 'boolean' ? profile.email_verified : undefined,
  picture: optionalString(profile.picture),
});

/**
 * The user a later profile fetch names, which must be the session's: a profile for anyone else
 * means the access token no longer belongs to who signed in.
 */
export function checkProfileSubject(
  provider: string,
  profile: Readonly<Record<string, unknown>>,
  mapUser: OAuthMapUser | undefined,
  sub: string,
): void {
  if (userFromProfile(provider, profile, mapUser).sub !== sub) {
    throw new OAuthError('the profile names another user than the session', {
      code: 'OAUTH_SUBJECT_MISMATCH',
    });
  }
}

/**
 * Builds the user from a profile (or ID token claims) through `mapUser`. A profile without a
 * usable identifier is refused: a session must always know who it belongs to.
 */
export function userFromProfile(
  provider: string,
  profile: Readonly<Record<string, unknown>>,
  mapUser: OAuthMapUser = defaultMapUser,
): OAuthUser {
  let mapped: OAuthUserProfile;
  try {
    mapped = mapUser(profile);
  } catch (cause) {
    throw new OAuthError('mapUser() failed on the provider profile', {
      code: 'OAUTH_INVALID_RESPONSE',
      cause,
    });
  }
  const sub = identifier(mapped.sub);
  if (sub === undefined) {
    throw new OAuthError('the provider profile has no user identifier (sub or id)', {
      code: 'OAUTH_INVALID_RESPONSE',
    });
  }
  const claims: Record<string, unknown> = {};
  for (const key of Object.keys(profile)) {
    if (!PROTOCOL_CLAIMS.has(key)) claims[key] = profile[key];
  }
  const user: { -readonly [K in keyof OAuthUser]: OAuthUser[K] } = { sub, provider, claims };
  const name = optionalString(mapped.name);
  const email = optionalString(mapped.email);
  const picture = optionalString(mapped.picture);
  if (name !== undefined) user.name = name;
  if (email !== undefined) user.email = email;
  if (typeof mapped.emailVerified === 'boolean') user.emailVerified = mapped.emailVerified;
  if (picture !== undefined) user.picture = picture;
  return user;
}
