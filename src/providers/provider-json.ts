import { OAuthError } from '../errors.js';
import type { ProviderOperation } from './provider-operation.js';
import { retryAfterSeconds } from './retry-after.js';

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a provider's JSON answer (for adapters and profile calls, which openid-client does not
 * make), turning each HTTP failure into the typed error a developer can act on. Nothing is
 * retried here: a 429 is reported with when to try again.
 */
export async function readProviderJson(
  response: Response,
  operation: ProviderOperation,
  errorCodes: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  let body: unknown;
  const text = await response.text();
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const rawError = stringField(body, 'error');
  const error = rawError === undefined ? undefined : (errorCodes[rawError] ?? rawError);
  const description = stringField(body, 'error_description');
  const details = {
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { errorDescription: description }),
  };
  if (response.status === 429) {
    const retryAfter = retryAfterSeconds(response.headers);
    throw new OAuthError(`the provider is rate limiting requests (${operation})`, {
      code: 'OAUTH_RATE_LIMITED',
      ...details,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  if (response.status >= 500) {
    throw new OAuthError(`the provider answered HTTP ${response.status} (${operation})`, {
      code: 'OAUTH_PROVIDER_UNAVAILABLE',
      ...details,
    });
  }
  if (response.status === 401 && operation !== 'token') {
    throw new OAuthError(`the provider refused the access token (${operation})`, {
      code: 'OAUTH_LOGIN_REQUIRED',
      ...details,
    });
  }
  if (!response.ok) {
    throw new OAuthError(`the provider answered HTTP ${response.status} (${operation})`, {
      code: error === 'invalid_grant' ? 'OAUTH_INVALID_GRANT' : 'OAUTH_PROVIDER_ERROR',
      ...details,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(
      `the provider answered something other than a JSON object (${operation})`,
      { code: 'OAUTH_INVALID_RESPONSE' },
    );
  }
  return body as Record<string, unknown>;
}
