import { tokenRevocation } from 'openid-client';
import type { Configuration } from 'openid-client';
import type { OAuthTokens } from '../session/tokens.js';
import { attempt } from './error-mapping.js';
import { serverMetadataOf } from './server-metadata.js';

/**
 * RFC 7009 revocation with openid-client: the refresh token first (revoking it ends the grant at
 * most providers, access tokens included), then the access token. Nothing is sent when the
 * metadata names no `revocation_endpoint`. Rejects with an OAuthError; callers log it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function revokeWithConfiguration(
  config: Configuration,
  tokens: Pick<OAuthTokens, 'accessToken' | 'refreshToken'>,
): Promise<boolean> {
  if (serverMetadataOf(config).revocation_endpoint === undefined) return false;
  if (tokens.refreshToken !== undefined) {
    const refreshToken = tokens.refreshToken;
    await attempt('revocation', () =>
      tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' }),
    );
  }
  await attempt('revocation', () =>
    tokenRevocation(config, tokens.accessToken, { token_type_hint: 'access_token' }),
  );
  return true;
}
