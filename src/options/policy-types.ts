import type { Request } from 'express';
import type { OAuthUser } from '../session/user.js';

/**
 * What the application decides, as it writes it: who may sign in (`allow`, `onSignIn`), what it
 * hears about (`onRefresh`, `onLogout`), and what it sends at logout (`logoutParams`).
 * options/policy.ts validates these options.
 */

/** A claim value an `allow` rule accepts: one value, or any of several. */
export type OAuthClaimCondition =
  string | number | boolean | readonly (string | number | boolean)[];

/**
 * Declarative sign-in rules, checked after the callback validated everything and before
 * `onSignIn`. Every rule given must pass. A refusal answers 403 `OAUTH_SIGN_IN_REFUSED` with a
 * generic page; the log says which rule failed.
 *
 * @example
 * ```ts
 * allow: {
 *   emailDomains: ['example.com'],
 *   emailVerified: true,
 *   claims: { 'realm_access.roles': 'trader', groups: ['ops', 'risk'] },
 * }
 * ```
 */
export interface OAuthAllowRules {
  /** The user's email must be at one of these domains (compared without case). */
  emailDomains?: readonly string[];
  /** `true`: the provider must say the email is verified (`email_verified: true`). */
  emailVerified?: boolean;
  /**
   * Claims by dotted path (`realm_access.roles`): the claim must equal the value, or contain it
   * when the claim is an array; with an array of values, any one of them is enough.
   */
  claims?: Readonly<Record<string, OAuthClaimCondition>>;
}

/** What a hook may know of the tokens: never the tokens themselves. */
export interface OAuthTokenInfo {
  /** Lower case, e.g. `bearer`. */
  readonly tokenType: string;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** Epoch milliseconds at which the access token expires, when the provider said. */
  readonly expiresAt: number | undefined;
  /** Whether the session can be renewed without the user (a refresh token was issued). */
  readonly hasRefreshToken: boolean;
  /** Whether the provider issued an ID token (OpenID Connect). */
  readonly hasIdToken: boolean;
}

/** What `onSignIn` is given. */
export interface OAuthSignInContext {
  /** The configured provider's name (`"default"` in the single-provider form). */
  readonly provider: string;
  /** The user as the session would hold it. */
  readonly user: OAuthUser;
  /** Every identity claim (ID token and userinfo, or the profile). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The callback request, e.g. to read a header the application trusts. */
  readonly req: Request;
  /** What the tokens are, never the tokens themselves. */
  readonly tokens: OAuthTokenInfo;
}

/** Changes `onSignIn` may make to the user; never `sub` or `provider`. */
export type OAuthUserChanges = Partial<
  Pick<OAuthUser, 'name' | 'email' | 'emailVerified' | 'picture' | 'claims'>
>;

/**
 * What `onSignIn` answers: nothing to accept the user as is, `{ user }` to accept with changes,
 * or `{ refuse }` to refuse with a message for the person in front of the browser.
 */
export type OAuthSignInResult =
  | undefined
  | {
      /** Changes to the user before the session is written. */
      readonly user: OAuthUserChanges;
    }
  | {
      /** Refuse the sign-in with this message for the person in front of the browser. */
      readonly refuse: string;
    };

/** Decides a sign-in; see {@link OAuthSignInResult}. Returning nothing accepts it as is. */
export type OAuthSignInHook = (
  context: OAuthSignInContext,
  // Returning nothing, synchronously or not, accepts the sign-in as is.
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
) => OAuthSignInResult | void | Promise<OAuthSignInResult | void>;

/** A refresh that renewed a session's tokens, for audit trails. */
export interface OAuthRefreshEvent {
  /** The configured provider's name. */
  readonly provider: string;
  /** The user, with the claims the refresh updated. */
  readonly user: OAuthUser;
  /** What the new tokens are, never the tokens themselves. */
  readonly tokens: OAuthTokenInfo;
}

/** A session that ended, for audit trails. */
export interface OAuthLogoutEvent {
  /** The configured provider's name. */
  readonly provider: string;
  /** Who was signed in. */
  readonly user: OAuthUser;
  /**
   * `logout`: POST /logout or `req.oauth.logout()`; `backchannel`: a back-channel logout token;
   * `lifetime`: `absoluteDuration`, `idleDuration` or the provider's `session_expiry` passed;
   * `refresh`: the provider refused to renew the tokens, or a renewal named another user.
   */
  readonly reason: 'logout' | 'backchannel' | 'lifetime' | 'refresh';
}

/** Extra end-session parameters (`state`, `ui_locales`, `logout_hint`, a provider's own). */
export type OAuthLogoutParams = Readonly<Record<string, string>>;
