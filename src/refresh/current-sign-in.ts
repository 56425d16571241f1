import type { Request } from 'express';
import { OAuthError } from '../errors.js';
import type { OAuthErrorCode } from '../errors.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { sessionEnded } from '../policy/session-end.js';
import {
  clearAuthentication,
  readAuthentication,
  readSignIn,
  syncSummary,
  updateAuthentication,
} from '../session/sign-in.js';
import { readSignInTimes } from '../session/sign-in-times.js';
import type { OAuthAuthentication, SignInSummary } from '../session/sign-in.js';
import { summaryOf } from '../session/token-summary.js';
import type { TokenSummary } from '../session/token-summary.js';
import { sessionKey } from '../session/store.js';
import { refreshAcrossInstances } from './across-instances.js';
import { renewalKey, tokenState } from './expiry.js';
import { lifetimeOver } from './lifetime.js';

/**
 * The only place that decides who is signed in and whether the tokens are still good: the
 * current sign-in, its expiry (with the capped leeway), the single-flight refresh under the
 * cross-instance lock, the save, or the reason to log in again. `req.oauthUser`, `req.oauth`
 * and `requireAuth()` all ask here.
 */

/** What the session says right now, before any provider is asked or any token decrypted. */
export type SignInCheck =
  | { readonly state: 'fresh'; readonly signIn: SignInSummary }
  | {
      readonly state: 'renew';
      readonly signIn: SignInSummary;
      readonly provider: OAuthProviderClient;
      /** False while the access token still works: a failed renewal then keeps serving it. */
      readonly expired: boolean;
    }
  | {
      readonly state: 'none';
      readonly why: string;
      /** A sign-in whose lifetime is over: still in the session until it is ended. */
      readonly over?: SignInSummary;
    };

/**
 * Refresh failures after which the session no longer proves who the user is: the provider refused
 * the grant or the client (any 4xx, OAuth error body or not), or its answer named someone else.
 * Anything else (the provider down, slow, rate limiting, answering garbage) keeps the session.
 */
const ENDS_AFTER_REFRESH = new Set<OAuthErrorCode>([
  'OAUTH_INVALID_GRANT',
  'OAUTH_CLIENT_REJECTED',
  'OAUTH_PROVIDER_ERROR',
  'OAUTH_SUBJECT_MISMATCH',
  'OAUTH_ISSUER_MISMATCH',
  'OAUTH_LOGIN_REQUIRED',
  // A provider that rotates refresh tokens has spent the old one already when the ID token of
  // the answer fails validation, so the session cannot be kept.
  'OAUTH_ID_TOKEN_INVALID',
  // RFC 9449 §5: tokens bound to another key than the sign-in's (or to none) are not kept.
  'OAUTH_TOKEN_NOT_SENDER_CONSTRAINED',
]);

/** Refresh refusals reported to the caller as `OAUTH_LOGIN_REQUIRED`. */
const REFUSED_GRANT = new Set<OAuthErrorCode>(['OAUTH_INVALID_GRANT', 'OAUTH_PROVIDER_ERROR']);

/** Userinfo failures that say the access token no longer belongs to the signed-in user. */
const ENDS_AFTER_USERINFO = new Set<OAuthErrorCode>([
  'OAUTH_LOGIN_REQUIRED',
  'OAUTH_SUBJECT_MISMATCH',
]);

/** Whether a failure of this call ends the signed-in session. */
export function endsSignIn(error: unknown, during: 'refresh' | 'userinfo'): boolean {
  if (!(error instanceof OAuthError)) return false;
  return (during === 'refresh' ? ENDS_AFTER_REFRESH : ENDS_AFTER_USERINFO).has(error.code);
}

/**
 * The synchronous part of the decision; cheap enough for every request: it reads the user and
 * the tokens' clear expiry, and decrypts nothing.
 */
export function inspectSignIn(runtime: OAuthRuntime, req: Request, now = Date.now()): SignInCheck {
  const signIn = readSignIn(req, runtime.options.secretKeys);
  if (signIn === undefined) return { state: 'none', why: 'no user is signed in' };
  const over = lifetimeOver(runtime.options, readSignInTimes(req), now);
  if (over !== undefined) return { state: 'none', why: over, over: signIn };
  const provider = runtime.providers.find(signIn.user.provider);
  if (provider === undefined) {
    return { state: 'none', why: 'the session belongs to a provider that is no longer configured' };
  }
  const renewal = renewalOf(runtime, provider, signIn.tokens, now);
  if (renewal.state === 'none') return renewal;
  return renewal.state === 'renew' ? { ...renewal, signIn, provider } : { ...renewal, signIn };
}

type Renewal =
  | { readonly state: 'fresh' }
  | { readonly state: 'renew'; readonly expired: boolean }
  | { readonly state: 'none'; readonly why: string };

/** Whether tokens (their summary, or the tokens themselves) are good, due for renewal, or spent. */
function renewalOf(
  runtime: OAuthRuntime,
  provider: OAuthProviderClient,
  tokens: Pick<TokenSummary, 'expiresAt' | 'issuedAt' | 'refreshable'>,
  now: number,
): Renewal {
  const state = tokenState(tokens, now, runtime.options.refreshLeeway * 1000);
  if (state === 'valid') return { state: 'fresh' };
  // Without a way to renew, the user stays signed in until the token really expires.
  if (!provider.canRefresh(tokens.refreshable)) {
    return state === 'due'
      ? { state: 'fresh' }
      : { state: 'none', why: 'the access token expired and cannot be refreshed' };
  }
  return { state: 'renew', expired: state === 'expired' };
}

/** The error that sends the user to log in, built only when it is the answer. */
export function loginRequired(why: string, cause?: OAuthError): OAuthError {
  return new OAuthError(`${why}; log in again`, {
    code: 'OAUTH_LOGIN_REQUIRED',
    ...(cause === undefined
      ? {}
      : { cause, error: cause.error, errorDescription: cause.errorDescription }),
  });
}

/** Forgets the sign-in (the session and its pending logins stay) after a failure that ends it. */
export async function endSignIn(req: Request): Promise<void> {
  req.oauthUser = undefined;
  await clearAuthentication(req);
}

/**
 * The current sign-in, renewed first when its access token is due and can be renewed. Resolves
 * to the reason (returned, not thrown) when the user must log in again: `OAUTH_LOGIN_REQUIRED`,
 * or the refresh failure that ended the session (`OAUTH_SUBJECT_MISMATCH`, ...). Rejects only when the provider cannot answer now and
 * the access token has expired: the session is kept, and asked again after a back-off.
 */
export async function currentSignIn(
  runtime: OAuthRuntime,
  req: Request,
): Promise<OAuthAuthentication | OAuthError> {
  const { secretKeys } = runtime.options;
  const check = inspectSignIn(runtime, req);
  if (check.state === 'none') {
    if (check.over !== undefined) {
      // Decrypted before the session goes: the tokens are revoked after it.
      const over = await readAuthentication(req, secretKeys);
      await endSignIn(req);
      if (over !== undefined) await sessionEnded(runtime, over, 'lifetime');
    }
    return loginRequired(check.why);
  }
  // The one place a request's tokens are decrypted: a handler or guard asked for them.
  const signIn = await readAuthentication(req, secretKeys);
  if (signIn === undefined) {
    // Without its tokens (the store forgot them, or another secret sealed them) the session proves
    // nothing more: it ends, so that pages stop showing a user whose tokens are gone.
    await endSignIn(req);
    return loginRequired(
      'the session tokens are gone from the store or cannot be decrypted with the configured secret',
    );
  }
  if (check.state === 'fresh') return signIn;
  // The entry is the truth: another request may have renewed the tokens after this one read the
  // session, and then there is nothing left to renew.
  syncSummary(req, signIn.tokens, secretKeys);
  const renewal = renewalOf(runtime, check.provider, summaryOf(signIn.tokens), Date.now());
  if (renewal.state === 'fresh') return signIn;
  if (renewal.state === 'none') return loginRequired(renewal.why);
  const spent = renewalKey(signIn.tokens);
  try {
    const renewed = await runtime.refresher.run(
      sessionKey(req),
      spent,
      () => refreshAcrossInstances(runtime, req, check.provider, spent),
      (error) => {
        if (endsSignIn(error, 'refresh')) return false;
        runtime.options.logger.warn(
          `could not renew the tokens of a session (${error instanceof OAuthError ? error.code : 'unexpected error'}); the provider is not asked again for this session until a back-off ends`,
        );
        return true;
      },
    );
    // A request that shared another request's refresh stores nothing: the entry has them.
    await updateAuthentication(req, renewed, runtime.options);
    req.oauthUser = renewed.user;
    return renewed;
  } catch (error) {
    if (endsSignIn(error, 'refresh')) {
      await endSignIn(req);
      // The session ended: its own tokens are revoked (a refresh that named someone else leaves
      // them valid otherwise) and onLogout is told why.
      await sessionEnded(runtime, signIn, 'refresh');
      const refusal = error as OAuthError;
      // A refused grant just means "log in again"; a refresh that named someone else, or a
      // client the provider no longer accepts, keeps its own code for the developer.
      return REFUSED_GRANT.has(refusal.code)
        ? loginRequired('the provider refused to renew the session', refusal)
        : refusal;
    }
    // Renewing early failed but the access token still works: keep using it until it expires.
    if (!renewal.expired) return signIn;
    throw error;
  }
}
