/**
 * What a provider call was doing when it failed, and the coded error every mapping of its failure
 * makes: the shared vocabulary of error-mapping.ts and the mappings it uses.
 */
import { OAuthError } from '../errors.js';
import type { OAuthErrorCode } from '../errors.js';

/** What the middleware was doing when the provider failed, for the message a developer reads. */
export type ProviderOperation =
  | 'discovery'
  | 'authorize'
  | 'callback'
  | 'token'
  | 'refresh'
  | 'userinfo'
  | 'jwks'
  | 'revocation'
  | 'introspection'
  | 'resource';

/** Each operation as the message says it: "... while discovering the provider metadata". */
export const DOING: Record<ProviderOperation, string> = {
  discovery: 'discovering the provider metadata',
  authorize: 'asking the provider for the authorization URL',
  callback: 'processing the authorization response',
  token: 'exchanging the authorization code',
  refresh: 'refreshing the access token',
  userinfo: 'fetching userinfo',
  jwks: "fetching the provider's keys (JWKS)",
  revocation: 'revoking the tokens',
  resource: 'calling the API',
  introspection: 'introspecting an access token',
};

/** The provider's own `error` and `error_description`, kept on the error when it sent them. */
export interface ProviderDetails {
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
}

/** An {@link OAuthError} with the code, the cause, and whatever the provider said. */
export function coded(
  code: OAuthErrorCode,
  message: string,
  cause: unknown,
  extra: ProviderDetails & { retryAfter?: number | undefined } = {},
): OAuthError {
  return new OAuthError(message, {
    code,
    cause,
    ...(extra.error === undefined ? {} : { error: extra.error }),
    ...(extra.errorDescription === undefined ? {} : { errorDescription: extra.errorDescription }),
    ...(extra.retryAfter === undefined ? {} : { retryAfter: extra.retryAfter }),
  });
}

/** Whether the operation authenticates the client, so a refusal may be of its credentials. */
export function isTokenOperation(operation: ProviderOperation): boolean {
  // 'authorize' reaches the provider only with a pushed request, which authenticates the client
  // as the token endpoint does (RFC 9126 §2.1).
  return operation === 'token' || operation === 'refresh' || operation === 'authorize';
}
