import type { ResolvedOptions } from '../options/resolve.js';
import type { SignInTimes } from '../session/sign-in-times.js';

/**
 * The session lifetimes, on top of express-session's cookie: `absoluteDuration` since the sign-in
 * (capped by the provider's `session_expiry`), and `idleDuration` since the last request. Returns
 * why the sign-in is over, or undefined while it lasts.
 */
export function lifetimeOver(
  options: ResolvedOptions,
  times: SignInTimes,
  now: number,
): string | undefined {
  // Every sign-in records its start: one without it (written by something else) proves no age.
  if (times.signedInAt === undefined) return 'the sign-in has no recorded start time';
  if (now >= times.signedInAt + options.absoluteDuration * 1000) {
    return `the sign-in is older than absoluteDuration (${options.absoluteDuration} s)`;
  }
  if (times.sessionEndsAt !== undefined && now >= times.sessionEndsAt) {
    return "the provider's session_expiry has passed";
  }
  const idle = options.idleDuration;
  if (
    idle !== undefined &&
    times.lastSeenAt !== undefined &&
    now >= times.lastSeenAt + idle * 1000
  ) {
    return `the session was idle longer than idleDuration (${idle} s)`;
  }
  return undefined;
}

/**
 * Whether this request should record its time for `idleDuration`: at most once per tenth of it,
 * so a signed-in user's requests do not each write the session.
 */
export function shouldRecordSeen(
  options: ResolvedOptions,
  times: SignInTimes,
  now: number,
): boolean {
  const idle = options.idleDuration;
  if (idle === undefined) return false;
  return times.lastSeenAt === undefined || now - times.lastSeenAt >= (idle * 1000) / 10;
}
