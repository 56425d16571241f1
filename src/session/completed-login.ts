import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { SecretKeys } from './secret-keys.js';
import { readSignIn, sessionData } from './sign-in.js';

/**
 * The login a sign-in completed, kept in the signed-in session so that a reload of its callback
 * (or a return to it through the browser's history) can send the user on to where that login was
 * going: its pending login is spent by then. The `state` is kept only as a hash: the record needs
 * to recognise it, never to send it.
 */
export interface OAuthCompletedLogin {
  /** SHA-256 (base64url) of the login's `state`. */
  readonly stateHash: string;
  /** The same-origin path the login returned to, as validated when it started. */
  readonly returnTo: string;
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

/** The record of a login completed with `state`, returning to `returnTo`. */
export function completedLogin(state: string, returnTo: string): OAuthCompletedLogin {
  return { stateHash: hashState(state), returnTo };
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
  const { stateHash, returnTo } = record as Record<string, unknown>;
  if (typeof stateHash !== 'string' || typeof returnTo !== 'string') return undefined;
  return stateHash === hashState(state) ? returnTo : undefined;
}
