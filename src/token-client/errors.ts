import { ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { OAuthError } from '../errors.js';
import type { OAuthErrorCode } from '../errors.js';
import { toOAuthError } from '../providers/error-mapping.js';

/** The code of a credentials rejection. */
export const CREDENTIALS_REJECTED: OAuthErrorCode = 'OAUTH_CREDENTIALS_REJECTED';

/**
 * A credentials rejection is a server-side configuration problem, not the caller's fault: it answers
 * 503 with `Retry-After` the cool-down, rather than the 400 of a refused authorization code.
 */
const REJECTION_STATUS = 503;

/** `error` values that mean "these credentials are wrong" whatever the HTTP status says. */
const REJECTING_ERRORS = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  // Algoreg: "invalid_credentials" for a wrong password, "account_locked" after too many.
  'invalid_credentials',
  'account_locked',
]);

/** What the provider said when it refused the credentials. */
export interface CredentialsRejection {
  readonly status: number;
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
}

function causes(error: unknown): unknown[] {
  const found: unknown[] = [];
  let current = error;
  while (typeof current === 'object' && current !== null && found.length < 6) {
    found.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

function responseIn(error: unknown): Response | undefined {
  return causes(error).find((link): link is Response => link instanceof Response);
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ResponseBodyError || error instanceof WWWAuthenticateChallengeError) {
    return error.status;
  }
  return responseIn(error)?.status;
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

/**
 * The rejection of the credentials in what openid-client threw, if it is one: a 401 or 403 from the
 * token endpoint, or an `error` such as `invalid_grant` in any status.
 */
export async function findCredentialsRejection(
  error: unknown,
): Promise<CredentialsRejection | undefined> {
  if (error instanceof ResponseBodyError) {
    if (!refuses(error.status) && !REJECTING_ERRORS.has(error.error)) return undefined;
    return {
      status: error.status,
      error: error.error,
      errorDescription: error.error_description,
      cause: error,
    };
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    if (!refuses(error.status)) return undefined;
    // openid-client stops at the challenge header; the JSON body may still say which error.
    const challenge = error.cause.find((c) => c.parameters.error !== undefined);
    const body = await responseError(error.response);
    return {
      status: error.status,
      error: challenge?.parameters.error ?? body.error,
      errorDescription: challenge?.parameters.error_description ?? body.errorDescription,
      cause: error,
    };
  }
  const response = responseIn(error);
  if (response === undefined || !refuses(response.status)) return undefined;
  return { status: response.status, error: undefined, errorDescription: undefined, cause: error };
}

function waitPhrase(remaining: number, locked: boolean): string {
  if (remaining === Infinity) {
    return ' — this client makes no further attempt; create a new one once this is fixed';
  }
  if (remaining <= 0) return '';
  return ` — no further attempt is made for ${remaining} s${locked ? '' : ', to avoid locking the account'}`;
}

/**
 * The error of a credentials rejection, `remaining` seconds before a new attempt is allowed
 * (`Infinity`: never with this client). Rebuilt for each call that fails fast, so `retryAfter`
 * and the message stay true.
 */
export function credentialsRejectedError(
  rejection: CredentialsRejection,
  context: CredentialsContext,
  remaining: number,
): OAuthError {
  const locked = rejection.error === 'account_locked';
  const what = rejection.error ?? `HTTP ${rejection.status}`;
  const head = locked
    ? `${context.by} reports the account "${context.account}" as locked (account_locked); have the provider unlock it (Algoreg: contact its support)`
    : `${context.by} rejected ${context.whose} (${what}); ${context.fix}`;
  return new OAuthError(head + waitPhrase(remaining, locked), {
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

function innermostMessage(error: unknown): string | undefined {
  const messages = causes(error)
    .map((link) => (link as { message?: unknown }).message)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  return messages.at(-1);
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
