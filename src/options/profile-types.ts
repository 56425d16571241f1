/**
 * The user's profile at a provider, as applications see it: what a plain OAuth 2.0 provider's
 * `fetchProfile` is given, and how `mapUser` makes a profile into `req.oauthUser`.
 */
import type { OAuthProviderHttp } from '../providers/adapter.js';

/** What `mapUser` returns: the fields of `req.oauthUser` (the raw profile is kept as `claims`). */
export interface OAuthUserProfile {
  /** The user's stable identifier at the provider; a number is turned into a string. Required. */
  sub: string | number;
  /** Becomes `req.oauthUser.name`; empty or absent leaves it out. */
  name?: string | undefined;
  /** Becomes `req.oauthUser.email`; empty or absent leaves it out. */
  email?: string | undefined;
  /** Becomes `req.oauthUser.emailVerified`; only a boolean is kept. */
  emailVerified?: boolean | undefined;
  /** Becomes `req.oauthUser.picture`; empty or absent leaves it out. */
  picture?: string | undefined;
}

/**
 * Maps a provider's profile (or ID token claims) to the user.
 *
 * @example
 * ```ts
 * const mapUser: OAuthMapUser = (profile) => ({
 *   sub: String(profile.user_id),
 *   name: typeof profile.display_name === 'string' ? profile.display_name : undefined,
 * });
 * ```
 */
export type OAuthMapUser = (profile: Readonly<Record<string, unknown>>) => OAuthUserProfile;

/** What a custom `fetchProfile` of a plain OAuth 2.0 provider is given: the token, and HTTP. */
export interface OAuthProfileContext extends OAuthProviderHttp {
  /** The access token just issued, to send as a Bearer token to the provider's profile API. */
  readonly accessToken: string;
}
