import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { SecretKeys } from './secret-keys.js';
import { readSignIn, sessionData } from './sign-in.js';

/**
 * The login a sign-in completed, kept in the signed-in session so that a reload of its callback
 * (or a return to it through the browser's history) can send the user on to where that login was
 * going: its pending login is spent by then. Every request reads the session, so the record is
 * small: the `state` only as a short hash (it needs to recognise the state, never to send it),
 * and nothing at all for a login that returned to the application's root, where a reload goes
 * anyway.
 */
export interface OAuthCompletedLogin {
  /** The first 16 bytes of the SHA-256 of the login's `state`, base64url. */
  readonly state: string;
  /** The same-origin path the login returned to, as validated when it started. */
  readonly to: string;
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest().subarray(0, 16).toString('base64url');
}

/**
 * The record of a login completed with `state`, returning to `returnTo`; undefined when it
 * returned to `root`, where a reload of its callback goes without one.
 */
export function completedLogin(
  state: string,
  returnTo: string,
  root: string,
): OAuthCompletedLogin | undefined {
  return returnTo === root ? undefined : { state: hashState(state), to: returnTo };
}

/**
 * Where a callback carrying `state` should send a signed-in user, when `state` is the one of the
 * login this session completed; undefined otherwise (signed out, another tenant's sign-in, or a
 * state this session never completed).
 */
export function completedLoginReturnTo(
  req: Request,
  keys: SecretKeys,
  state: string | null,
): string | undefined {
  if (state === null || state === '' || readSignIn(req, keys) === undefined) return undefined;
  const record: unknown = sessionData(req)?.completedLogin;
  if (typeof record !== 'object' || record === null) return undefined;
  const { state: stateHash, to } = record as Record<string, unknown>;
  if (typeof stateHash !== 'string' || typeof to !== 'string') return undefined;
  return stateHash === hashState(state) ? to : undefined;
}
