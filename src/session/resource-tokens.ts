/**
 * What calls to APIs change in the session's token entry: access tokens obtained for other APIs
 * (RFC 8707), kept beside the sign-in's, and the sign-in's access token when an API refused it.
 */
import type { Request } from 'express';
import { keepTokens, readSignedIn, readSignedInEntry } from './sign-in.js';
import type { SignedIn, TokenKeeping } from './sign-in.js';
import type { SecretKeys } from './secret-keys.js';
import type { OAuthTokens } from './tokens.js';

/** The token for another API that `signedIn` holds under `key`, if any. */
export function resourceTokenOf(
  signedIn: SignedIn | undefined,
  key: string,
): OAuthTokens | undefined {
  const resources = signedIn?.resources;
  return resources !== undefined && Object.hasOwn(resources, key) ? resources[key] : undefined;
}

/** A token obtained for another API, when the session's token entry holds one under that key. */
export async function readResourceToken(
  req: Request,
  key: string,
  keys: SecretKeys,
): Promise<OAuthTokens | undefined> {
  return resourceTokenOf(await readSignedIn(req, keys), key);
}

/**
 * Stores a token obtained for another API, and the session's refresh token as that exchange left
 * it (a provider that rotates refresh tokens has spent the old one); then saves at once. Nothing
 * is stored when the sign-in ended meanwhile.
 */
export async function storeResourceToken(
  req: Request,
  key: string,
  token: OAuthTokens,
  refreshToken: string | undefined,
  options: TokenKeeping,
): Promise<void> {
  const found = await readSignedInEntry(req, options.secretKeys);
  if (found === undefined) return;
  const { data, user, record } = found;
  const { refreshToken: _spent, ...rest } = record.tokens;
  const tokens = refreshToken === undefined ? rest : { ...rest, refreshToken };
  await keepTokens(req, { ...data, user }, tokens, { ...record.resources, [key]: token }, options);
}

/**
 * Marks the session's access token as expired (an API refused it), so the next use renews it;
 * only while it is still that token. Saved at once: the renewal reads the session again.
 */
export async function expireAccessToken(
  req: Request,
  accessToken: string,
  options: TokenKeeping,
): Promise<void> {
  const found = await readSignedInEntry(req, options.secretKeys);
  if (found?.record.tokens.accessToken !== accessToken) return;
  const { data, user, record } = found;
  await keepTokens(
    req,
    { ...data, user },
    { ...record.tokens, expiresAt: Date.now() - 1 },
    record.resources,
    options,
  );
}
