import { ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { OAuthErrorCode } from '../errors.js';
import { causeChain, innermostMessage, responseInChain } from '../providers/error-chain.js';
import { toOAuthError } from '../providers/error-mapping.js';
import { credentialsVerdict } from './quirks.js';
import type { ResolvedQuirks } from './quirks.js';

/** The code of a credentials rejection. */
export const CREDENTIALS_REJECTED: OAuthErrorCode = 'OAUTH_CREDENTIALS_REJECTED';

/**
 * A credentials rejection is a server-side configuration problem, not the caller's fault: it answers
 * 503 with `Retry-After` the cool-down, rather than the 400 of a refused authorization code.
 */
const REJECTION_STATUS = 503;

/** What the provider said when it refused the credentials. */
export interface CredentialsRejection {
  readonly status: number;
  /** The provider reports the account as locked: no password will do until it is unlocked. */
  readonly locked: boolean;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly cause: unknown;
}

/** Whose credentials were refused, by whom, and which options to fix; for the message. */
export interface CredentialsContext {
  /** `the token endpoint` or `the API`. */
  readonly by: string;
  /** e.g. `the credentials of "api@acme.com"`. */
  readonly whose: string;
  /** The account named in a lock-out message. */
  readonly account: string;
  /** e.g. `check "options.username" and "options.password"`. */
  readonly fix: string;
  /** How a locked account gets unlocked (`quirks.unlockHint`), e.g. `Algoreg: contact its support`. */
  readonly unlockHint: string | undefined;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ResponseBodyError || error instanceof WWWAuthenticateChallengeError) {
    return error.status;
  }
  return responseInChain(error)?.status;
}

/** The JSON `error` of a response, read from a copy so the caller still gets the whole body. */
export async function responseError(
  response: Response,
): Promise<{ error?: string; errorDescription?: string }> {
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return {};
  try {
    const body = (await response.clone().json()) as Record<string, unknown>;
    return {
      ...(typeof body.error === 'string' ? { error: body.error } : {}),
      ...(typeof body.error_description === 'string'
        ? { errorDescription: body.error_description }
        : {}),
    };
  } catch {
    return {};
  }
}

const refuses = (status: number): boolean => status === 401 || status === 403;

function rejection(
  quirks: ResolvedQuirks,
  found: Omit<CredentialsRejection, 'locked'>,
): CredentialsRejection | undefined {
  const verdict = credentialsVerdict(quirks, found.error, 'token endpoint');
  if (verdict === undefined && !refuses(found.status)) return undefined;
  return { ...found, locked: verdict === 'locked' };
}

/**
 * The rejection of the credentials in what openid-client threw, if it is one: a 401 or 403 from the
 * token endpoint, or an `error` that says so in any status (RFC 6749's `invalid_grant`,
 * `invalid_client`, `unauthorized_client`, and the provider's own from `quirks`).
 */
export async function findCredentialsRejection(
  error: unknown,
  quirks: ResolvedQuirks,
): Promise<CredentialsRejection | undefined> {
  if (error instanceof ResponseBodyError) {
    return rejection(quirks, {
      status: error.status,
      error: error.error,
      errorDescription: error.error_description,
      cause: error,
    });
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    // openid-client stops at the challenge header; the JSON body may still say which error.
    const challenge = error.cause.find((c) => c.parameters.error !== undefined);
    const body = await responseError(error.response);
    return rejection(quirks, {
      status: error.status,
      error: challenge?.parameters.error ?? body.error,
      errorDescription: challenge?.parameters.error_description ?? body.errorDescription,
      cause: error,
    });
  }
  const response = responseInChain(error);
  if (response === undefined || !refuses(response.status)) return undefined;
  return {
    status: response.status,
    locked: false,
    error: undefined,
    errorDescription: undefined,
    cause: error,
  };
}

/** How the stopped client is started again, in the messages. */
const RESTART =
  'until client.resetCredentials() is called or a new client is created with fixed credentials';

function waitPhrase(remaining: number, locked: boolean, stoppedAfter: number | undefined): string {
  if (stoppedAfter !== undefined) {
    return ` — refused ${stoppedAfter} times in a row: this client makes no further attempt ${RESTART}`;
  }
  if (remaining === Infinity) return ` — this client makes no further attempt ${RESTART}`;
  if (remaining <= 0) return '';
  return ` — no further attempt is made for ${remaining} s${locked ? '' : ', to avoid locking the account'}`;
}

/**
 * The error of a credentials rejection, `remaining` seconds before a new attempt is allowed
 * (`Infinity`: never with this client, until it is reset). `stoppedAfter`: the refusals in a row
 * that made the client stop (`maxCredentialsRejections`). Rebuilt for each call that fails fast,
 * so `retryAfter` and the message stay true.
 */
export function credentialsRejectedError(
  rejection: CredentialsRejection,
  context: CredentialsContext,
  remaining: number,
  stoppedAfter?: number,
): OAuthError {
  const what = rejection.error ?? `HTTP ${rejection.status}`;
  const unlock = context.unlockHint === undefined ? '' : ` (${context.unlockHint})`;
  const head = rejection.locked
    ? `${context.by} reports the account "${context.account}" as locked (${what}); have the provider unlock it${unlock}`
    : `${context.by} rejected ${context.whose} (${what}); ${context.fix}`;
  return new OAuthError(head + waitPhrase(remaining, rejection.locked, stoppedAfter), {
    code: CREDENTIALS_REJECTED,
    status: REJECTION_STATUS,
    error: rejection.error,
    errorDescription: rejection.errorDescription,
    ...(Number.isFinite(remaining) && remaining > 0 ? { retryAfter: remaining } : {}),
    cause: rejection.cause,
  });
}

/** Where the token endpoint is and how long it may take, for the messages. */
export interface TokenEndpointContext {
  /** Origin and path, never the query. */
  readonly endpoint: string;
  /** Milliseconds. */
  readonly timeout: number;
}

/** The error of a rate-limited token endpoint, `remaining` seconds before the next request. */
export function rateLimitedError(
  context: TokenEndpointContext,
  remaining: number | undefined,
  cause: unknown,
  provider?: { error?: string | undefined; errorDescription?: string | undefined },
): OAuthError {
  const wait = remaining === undefined ? '' : `; no new request is made for ${remaining} s`;
  return new OAuthError(`the token endpoint ${context.endpoint} is rate limiting requests${wait}`, {
    code: 'OAUTH_RATE_LIMITED',
    error: provider?.error,
    errorDescription: provider?.errorDescription,
    ...(remaining === undefined ? {} : { retryAfter: remaining }),
    cause,
  });
}

/**
 * Turns any other failure of a token request into an {@link OAuthError}: the code comes from the
 * package's shared mapping, the message names the token endpoint and, where it can, the fix.
 */
export function tokenEndpointError(error: unknown, context: TokenEndpointContext): OAuthError {
  if (error instanceof OAuthError) return error;
  const mapped = toOAuthError(error, 'token');
  // The package's own verdict under openid-client's wrapper (an oversized or stalled answer)
  // already names the endpoint and the fix.
  if (causeChain(error).includes(mapped)) return mapped;
  const { endpoint } = context;
  const provider = { error: mapped.error, errorDescription: mapped.errorDescription };
  const details = { code: mapped.code, ...provider, cause: error };
  switch (mapped.code) {
    case 'OAUTH_RATE_LIMITED':
      return rateLimitedError(context, mapped.retryAfter, error, provider);
    case 'OAUTH_PROVIDER_TIMEOUT':
      return new OAuthError(
        `the token endpoint ${endpoint} did not answer within ${context.timeout} ms ("options.timeout")`,
        details,
      );
    case 'OAUTH_PROVIDER_UNAVAILABLE': {
      const status = statusOf(error);
      return new OAuthError(
        status === undefined
          ? `the token endpoint ${endpoint} could not be reached`
          : `the token endpoint ${endpoint} answered HTTP ${status}`,
        details,
      );
    }
    case 'OAUTH_PROVIDER_ERROR': {
      const hint =
        mapped.error === 'unsupported_grant_type' || mapped.error === 'invalid_request'
          ? '; check "options.grant" and "options.tokenRequestFormat"'
          : '';
      const what = mapped.error === undefined ? 'with an error' : `"${mapped.error}"`;
      return new OAuthError(`the token endpoint ${endpoint} answered ${what}${hint}`, details);
    }
    case 'OAUTH_INVALID_RESPONSE': {
      const detail = innermostMessage(error);
      return new OAuthError(
        `the token endpoint ${endpoint} sent an invalid token response${detail === undefined ? '' : `: ${detail}`}`,
        details,
      );
    }
    default:
      return new OAuthError(`the token endpoint ${endpoint} failed: ${mapped.message}`, details);
  }
}
