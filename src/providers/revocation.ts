import { tokenRevocation } from 'openid-client';
import type { Configuration } from 'openid-client';
import type { OAuthTokens } from '../session/tokens.js';
import { attempt } from './error-mapping.js';
import { serverMetadataOf } from './server-metadata.js';

/**
 * RFC 7009 revocation with openid-client: the refresh token first (revoking it ends the grant at
 * most providers, access tokens included), then the access token, even when the first failed.
 * Nothing is sent when the metadata names no `revocation_endpoint`. Rejects with the first
 * failure, an OAuthError; callers log it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeWithConfiguration(
  config: Configuration,
  tokens: Pick<OAuthTokens, 'accessToken' | 'refreshToken'>,
): Promise<boolean> {
  if (serverMetadataOf(config).revocation_endpoint === undefined) return false;
  const revoke = (token: string, hint: 'refresh_token' | 'access_token') =>
    attempt('revocation', () => tokenRevocation(config, token, { token_type_hint: hint })).then(
      () => undefined,
      (error: unknown) => error,
    );
  const failures = [
    tokens.refreshToken === undefined
      ? undefined
      : await revoke(tokens.refreshToken, 'refresh_token'),
    await revoke(tokens.accessToken, 'access_token'),
  ].filter((failure) => failure !== undefined);
  if (failures.length > 0) throw failures[0];
  return true;
}
