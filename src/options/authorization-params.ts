import type { Request } from 'express';
import type { OAuthAuthorizationParams } from './provider-types.js';
import { invalid, isRecord } from './readers.js';

/** Parameters the middleware owns: letting an application set them would weaken the flow. */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/**
 * Checks authorization parameters given by the application, at creation time for static ones and
 * per request for dynamic ones, so none can override the parameters that protect the flow.
 */
export function checkAuthorizationParams(
  params: Record<string, unknown>,
  fail: (message: string) => Error,
): OAuthAuthorizationParams {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(key)) {
      throw fail(`free of "${key}", which the middleware sets itself`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail(`an object of strings ("${key}" is ${typeof value})`);
    checked[key] = value;
  }
  return checked;
}

/** `authorizationParams`: an object checked now, or a function checked at each login. */
export function readAuthorizationParams(
  prefix: string,
  value: unknown,
): (req: Request) => OAuthAuthorizationParams {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') return value as (req: Request) => OAuthAuthorizationParams;
  if (!isRecord(value)) {
    throw invalid(`${prefix}authorizationParams`, 'an object of strings or a function');
  }
  const params = checkAuthorizationParams(value, (message) =>
    invalid(`${prefix}authorizationParams`, message),
  );
  return () => params;
}
