// Shapes and builders of the misbehaviour matrix of scripted-provider.test.ts: each case says how
// the provider is scripted and what openid-client answers (rows mirror the test's header table).
import type {
  IdTokenScript,
  JsonObject,
  ScriptedProvider,
  TokenScript,
} from '../../helpers/scripted-provider.js';

/** Where the case's script is applied: before discovery, or after an honest login. */
export type Flow = 'discovery' | 'code' | 'refresh' | 'userinfo';

export interface ExpectedError {
  /** constructor.name: ClientError, ResponseBodyError, WWWAuthenticateChallengeError, TypeError... */
  type: string;
  code: string | undefined;
  /** Substring of `message | cause.message`, or `Response(status)` when the cause is the Response. */
  detail: string;
  props?: Record<string, unknown>;
}

export interface OpenidCase {
  name: string;
  flow: Flow;
  apply(provider: ScriptedProvider): void;
  options?: { nonRepudiation?: boolean; timeout?: number };
  expect: 'accepted' | ExpectedError;
  /** For accepted cases: what openid-client handed back, to prove what was (not) checked. */
  check?(result: unknown, provider: ScriptedProvider): void;
}

export const nr = { nonRepudiation: true };
export const accepted = 'accepted' as const;

export function fail(
  type: string,
  code: string | undefined,
  detail: string,
  props?: Record<string, unknown>,
): ExpectedError {
  return { type, code: code && `OAUTH_${code}`, detail, props };
}
export const invalid = (detail: string): ExpectedError =>
  fail('ClientError', 'INVALID_RESPONSE', detail);
export const claimMismatch = (detail: string): ExpectedError =>
  fail('ClientError', 'JWT_CLAIM_COMPARISON_FAILED', detail);
export const notConform = (status: number): ExpectedError =>
  fail('ClientError', 'RESPONSE_IS_NOT_CONFORM', `Response(${status})`);
export const timedOut = fail('ClientError', 'TIMEOUT', 'operation timed out');
export const socketDropped = fail('TypeError', undefined, 'fetch failed | other side closed');

export function idToken(
  name: string,
  script: IdTokenScript,
  expect: OpenidCase['expect'],
  options?: OpenidCase['options'],
): OpenidCase {
  return {
    name,
    flow: 'code',
    apply: (p) => (p.script.token = { idToken: script }),
    expect,
    options,
  };
}
/** Timestamps relative to the honest iat, computed when the token is minted. */
export const shifted =
  (patch: (iat: number) => JsonObject) =>
  (claims: JsonObject): JsonObject => ({ ...claims, ...patch(Number(claims.iat)) });

export function token(
  name: string,
  script: TokenScript,
  expect: OpenidCase['expect'],
  timeout?: number,
) {
  const options = timeout === undefined ? undefined : { timeout };
  return {
    name,
    flow: 'code',
    apply: (p) => (p.script.token = script),
    expect,
    options,
  } as OpenidCase;
}
export function authz(
  name: string,
  set: Record<string, string | undefined>,
  expect: OpenidCase['expect'],
) {
  return { name, flow: 'code', apply: (p) => (p.script.authorize = { set }), expect } as OpenidCase;
}
export function on(
  flow: Flow,
  name: string,
  apply: OpenidCase['apply'],
  expect: OpenidCase['expect'],
) {
  return { name, flow, apply, expect } as OpenidCase;
}

export const html = { 'content-type': 'text/html' };
export const sig = 'JWT signature verification failed';
export const badAlg = 'unexpected JWT "alg" header parameter';
export const noKey = 'no applicable keys found';
