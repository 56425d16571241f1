/**
 * "A step-up was tried since the last sign-in", kept in the session: a second shortfall after a
 * step-up is refused rather than sent to the provider again.
 */
import type { Request } from 'express';
import { sessionData } from './sign-in.js';

/** Whether a step-up was tried since the last sign-in. */
export function stepUpTried(req: Request): boolean {
  return sessionData(req)?.stepUpTried === true;
}

/** Marks (or, with `false`, clears) a step-up attempt. */
export function markStepUp(req: Request, tried: boolean): void {
  const stored = sessionData(req) ?? {};
  if ((stored.stepUpTried === true) === tried) return;
  const { stepUpTried: _marker, ...rest } = stored;
  req.session.oauth = tried ? { ...rest, stepUpTried: true } : rest;
}
