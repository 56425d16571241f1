import type { TokenEndpointResponse } from 'openid-client';
import type { IssuedTokens } from '../session/tokens.js';

/** openid-client's validated token response in the package's terms. */
export function issuedTokens(response: TokenEndpointResponse): IssuedTokens {
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresIn: response.expires_in,
    refreshToken: response.refresh_token,
    idToken: response.id_token,
    scope: response.scope,
  };
}
