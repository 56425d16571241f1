import type { Response } from 'express';
import type { OAuthError } from '../errors.js';
import { ALGORITHMS } from '../providers/jwt-verifier.js';

/** The RFC 6750 / RFC 9449 `error` value of each code a bearer check answers with. */
const ERROR_VALUES: Readonly<Partial<Record<OAuthError['code'], string>>> = {
  OAUTH_INVALID_TOKEN: 'invalid_token',
  OAUTH_INSUFFICIENT_SCOPE: 'insufficient_scope',
  OAUTH_INVALID_REQUEST: 'invalid_request',
  OAUTH_INVALID_DPOP_PROOF: 'invalid_dpop_proof',
  OAUTH_USE_DPOP_NONCE: 'use_dpop_nonce',
};

/**
 * The `error_description` of each: fixed per code, so the header says what kind of refusal it is
 * and the developer's detail (which claim, which check) stays in the JSON body and the log.
 */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  invalid_token: 'the access token is invalid, expired, or not for this API',
  insufficient_scope: 'the access token lacks a scope this request needs',
  invalid_request: 'the request does not carry its access token as this API accepts it',
  invalid_dpop_proof: 'the DPoP proof is missing or invalid for this request',
  use_dpop_nonce: 'the DPoP proof must carry the nonce this API gave',
};

/** An auth-param value as a quoted-string: quotes and backslashes escaped, controls dropped. */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

export interface ChallengeContext {
  /** The scheme the request used, or undefined when it sent no token. */
  readonly scheme: 'bearer' | 'dpop' | undefined;
  /** Whether bearer (unbound) tokens are refused. */
  readonly dpopRequired: boolean;
  /** The scopes the route requires, for `insufficient_scope`. */
  readonly scopes: readonly string[];
}

/**
 * The `WWW-Authenticate` challenges of a refusal: the scheme the request used carries the error
 * (`Bearer error="invalid_token"`, `DPoP error="use_dpop_nonce"`); a request without a token gets
 * one challenge per accepted scheme and no error, as RFC 6750 §3.1 asks. DPoP challenges name the
 * proof algorithms accepted.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function challenges(error: OAuthError, context: ChallengeContext): string[] {
  const value = ERROR_VALUES[error.code];
  const dpopProblem = value === 'invalid_dpop_proof' || value === 'use_dpop_nonce';
  const scheme = dpopProblem || context.dpopRequired ? 'dpop' : context.scheme;
  const params: string[] = [];
  if (value !== undefined) {
    params.push(`error=${quoted(value)}`, `error_description=${quoted(DESCRIPTIONS[value] ?? '')}`);
    if (value === 'insufficient_scope') params.push(`scope=${quoted(context.scopes.join(' '))}`);
  }
  const bearer = `Bearer${params.length > 0 ? ` ${params.join(', ')}` : ''}`;
  const dpop = `DPoP ${[...params, `algs=${quoted(ALGORITHMS.join(' '))}`].join(', ')}`;
  if (value === undefined) return context.dpopRequired ? [dpop] : [bearer, dpop];
  return [scheme === 'dpop' ? dpop : bearer];
}

/** Sets the challenges (and a fresh nonce, when nonces are on) on the answer of a refusal. */
export function setChallenges(
  res: Response,
  error: OAuthError,
  context: ChallengeContext,
  nonce: string | undefined,
): void {
  if (res.headersSent) return;
  res.setHeader('WWW-Authenticate', challenges(error, context));
  if (nonce !== undefined) res.setHeader('DPoP-Nonce', nonce);
}
