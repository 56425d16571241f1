/**
 * The coded errors of oauth4webapi (and openid-client) mapped to stable codes, by their `code` and
 * structured `cause` (`claim`, `attribute`, the provider's `Response`), never by their message.
 */
import type { OAuthError } from '../errors.js';
import { innermostMessage, libraryCause, responseInChain } from './error-chain.js';
import type { ErrorLink } from './error-chain.js';
import { coded, DOING, isTokenOperation } from './provider-operation.js';
import type { ProviderOperation } from './provider-operation.js';
import { fromStatus } from './status-mapping.js';

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Whether a structured cause points into a JWT: the compact token itself, or its `claims`,
 * `claim`, `header` or `alg`. Only the ID token is a JWT in the responses the package reads.
 */
function isAboutJwt(detail: unknown): boolean {
  if (typeof detail === 'string') return true;
  return ['claims', 'claim', 'header', 'alg'].some((name) => field(detail, name) !== undefined);
}

function idTokenInvalid(reason: string, cause: unknown): OAuthError {
  return coded('OAUTH_ID_TOKEN_INVALID', `the ID token failed validation: ${reason}`, cause);
}

function claimReason(detail: unknown, fallback: string): string {
  const claim = field(detail, 'claim');
  return typeof claim === 'string' ? `"${claim}" ${fallback}` : fallback;
}

/** oauth4webapi's (and openid-client's) coded errors, by code and structured cause. */
export function fromLibraryCode(
  code: string,
  links: readonly ErrorLink[],
  operation: ProviderOperation,
  error: unknown,
): OAuthError | undefined {
  const detail = libraryCause(error, code);
  const doing = DOING[operation];
  switch (code) {
    case 'OAUTH_TIMEOUT':
      return coded(
        'OAUTH_PROVIDER_TIMEOUT',
        `the provider did not answer in time while ${doing}`,
        error,
      );
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return coded(
        'OAUTH_INVALID_RESPONSE',
        `the provider metadata points to a non-https endpoint; refused while ${doing}`,
        error,
      );
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON': {
      const response = responseInChain(error);
      if (response !== undefined && !response.ok) {
        return fromStatus(response.status, response.headers, operation, error);
      }
      return undefined;
    }
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED': {
      const attribute = field(detail, 'attribute');
      if (attribute === 'issuer') {
        return coded(
          'OAUTH_ISSUER_MISMATCH',
          'the discovered metadata names another issuer than "options.issuer"; configure the exact issuer identifier',
          error,
        );
      }
      if (attribute === 'sub') {
        return coded(
          'OAUTH_SUBJECT_MISMATCH',
          `the provider's answer names another user than the session while ${doing}`,
          error,
        );
      }
      return undefined;
    }
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      // OpenID Connect Core 12.2: a user is iss + sub, so a refreshed ID token from another
      // issuer names another user.
      if (operation === 'refresh' && field(detail, 'claim') === 'iss') {
        return coded(
          'OAUTH_SUBJECT_MISMATCH',
          'the refreshed ID token comes from another issuer; the session was ended',
          error,
        );
      }
      return idTokenInvalid(claimReason(detail, 'does not have the expected value'), error);
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return idTokenInvalid(claimReason(detail, 'is out of the accepted time window'), error);
    case 'OAUTH_KEY_SELECTION_FAILED':
      return idTokenInvalid('no single key of the provider matches its header', error);
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_UNSUPPORTED_OPERATION':
      if (isTokenOperation(operation) && isAboutJwt(detail)) {
        return idTokenInvalid(innermostMessage(error) ?? 'malformed', error);
      }
      return undefined;
    default:
      return undefined;
  }
}
