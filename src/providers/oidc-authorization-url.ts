/**
 * The authorization request of an OpenID Connect provider: its parameters, the response mode, and
 * how it travels: in the redirect, as a signed request object (RFC 9101), or pushed (RFC 9126).
 */
import {
  buildAuthorizationUrl,
  buildAuthorizationUrlWithJAR,
  buildAuthorizationUrlWithPAR,
} from 'openid-client';
import type { Configuration } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ResolvedOidcProvider } from '../options/provider.js';
import type { OAuthAuthorizationRequest } from './client.js';
import { attempt } from './error-mapping.js';
import { serverMetadataOf } from './server-metadata.js';

/**
 * The response mode: the configured one, else `form_post` when the provider offers only that
 * (its `response_modes_supported` lacks `query`), else `query`.
 */
export function responseModeOf(
  configured: 'query' | 'form_post' | undefined,
  metadata: { response_modes_supported?: unknown },
): 'query' | 'form_post' {
  if (configured !== undefined) return configured;
  const offered = metadata.response_modes_supported;
  return Array.isArray(offered) && offered.includes('form_post') && !offered.includes('query')
    ? 'form_post'
    : 'query';
}

/**
 * The URL the browser is sent to. `clientRejected` reports a pushed request the provider refused
 * for the client's credentials.
 */
export async function oidcAuthorizationUrl(
  config: Configuration,
  provider: ResolvedOidcProvider,
  request: OAuthAuthorizationRequest,
  clientRejected: (error: unknown) => never,
): Promise<URL> {
  const formPost = responseModeOf(provider.responseMode, serverMetadataOf(config)) === 'form_post';
  const params = {
    ...request.params,
    ...(formPost ? { response_mode: 'form_post' } : {}),
    scope: provider.scope.split(' ').join(provider.quirks.scopeSeparator),
    redirect_uri: provider.redirectUri,
    response_type: 'code',
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  };
  const metadata = serverMetadataOf(config);
  const pushed =
    provider.pushedAuthorizationRequests ?? metadata.require_pushed_authorization_requests === true;
  if (pushed && metadata.pushed_authorization_request_endpoint === undefined) {
    throw new OAuthError(
      'pushedAuthorizationRequests is on, but the provider metadata names no pushed_authorization_request_endpoint',
      { code: 'OAUTH_INVALID_RESPONSE' },
    );
  }
  let outgoing: URLSearchParams | Record<string, string> = params;
  if (provider.requestObjects && provider.clientKeys !== undefined) {
    // RFC 9101: every parameter goes into the signed request object.
    const signing = await provider.clientKeys.signingKey();
    const jar = await attempt('authorize', () =>
      buildAuthorizationUrlWithJAR(config, params, { key: signing.key, kid: signing.kid }),
    );
    if (!pushed) return jar;
    outgoing = jar.searchParams;
  }
  if (pushed) {
    // RFC 9126: the browser carries only client_id and request_uri.
    return attempt('authorize', () => buildAuthorizationUrlWithPAR(config, outgoing)).catch(
      clientRejected,
    );
  }
  return buildAuthorizationUrl(config, outgoing);
}
