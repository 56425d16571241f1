/** The signed-in user, as `req.oauthUser` shows it to every handler after the middleware. */
export interface OAuthUser {
  /** The provider's stable identifier of the user (the ID token's `sub`). */
  readonly sub: string;
  /** The configured provider that signed the user in. */
  readonly provider: string;
  readonly name?: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly picture?: string;
  /** Every identity claim the provider gave, from the ID token and, when fetched, userinfo. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Claims that only protect the protocol; they say nothing about the user and are not kept. */
const PROTOCOL_CLAIMS = new Set(['nonce', 'at_hash', 'c_hash', 's_hash']);

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Builds the user from identity claims; `sub` must already have been checked by the caller. */
export function userFromClaims(
  provider: string,
  sub: string,
  claims: Readonly<Record<string, unknown>>,
): OAuthUser {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(claims)) {
    if (!PROTOCOL_CLAIMS.has(key)) kept[key] = value;
  }
  const user: {
    -readonly [K in keyof OAuthUser]: OAuthUser[K];
  } = { sub, provider, claims: kept };
  const name = optionalString(claims.name);
  const email = optionalString(claims.email);
  const picture = optionalString(claims.picture);
  if (name !== undefined) user.name = name;
  if (email !== undefined) user.email = email;
  if (typeof claims.email_verified === 'boolean') user.emailVerified = claims.email_verified;
  if (picture !== undefined) user.picture = picture;
  return user;
}
