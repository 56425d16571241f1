/**
 * When the sign-in began, when the provider's session ends, and when it was last used: what
 * `absoluteDuration`, `session_expiry` and `idleDuration` are checked against.
 */
import type { Request } from 'express';
import { sessionData } from './sign-in.js';

/** When the sign-in began, when the provider's session ends, and when it was last used. */
export interface SignInTimes {
  readonly signedInAt: number | undefined;
  readonly sessionEndsAt: number | undefined;
  readonly lastSeenAt: number | undefined;
}

/** An epoch-milliseconds field of the session, when it holds a finite number. */
function epoch(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The sign-in's times as the session holds them; a malformed one reads as absent. */
export function readSignInTimes(req: Request): SignInTimes {
  const stored = sessionData(req);
  return {
    signedInAt: epoch(stored?.signedInAt),
    sessionEndsAt: epoch(stored?.sessionEndsAt),
    lastSeenAt: epoch(stored?.lastSeenAt),
  };
}

/** Records a request of the signed-in user; express-session writes it when the request ends. */
export function recordSeen(req: Request, now: number): void {
  const stored = sessionData(req);
  if (stored !== undefined) req.session.oauth = { ...stored, lastSeenAt: now };
}
