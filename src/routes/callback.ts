import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from '../errors.js';
import { publish } from '../observability/events.js';
import { publishLoginFailure } from '../observability/flow-events.js';
import type { OAuthProviderClient } from '../providers/client.js';
import type { OAuthRuntime } from '../runtime.js';
import { decideSignIn } from '../policy/sign-in-decision.js';
import { checkDeliveredAcr, checkDeliveredAuthTime } from '../policy/step-up.js';
import { completedLogin, completedLoginReturnTo } from '../session/completed-login.js';
import { indexForBackchannelLogout } from '../session/logout-index.js';
import { establishSession, readSignIn } from '../session/sign-in.js';
import { pendingLoginSettings, takePendingLogin } from '../session/pending-login-cookie.js';
import type { OAuthTransaction } from '../session/transactions.js';
import { readCallbackForm } from './callback-form.js';
import { parseCallbackQuery } from './callback-query.js';
import { handleCallbackError } from './handle-error.js';
import { safeReturnTo } from './return-to.js';

/** The pending login this callback completes, taken out of its cookie before it is checked. */
async function takeCallbackLogin(
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  state: string | null,
): Promise<OAuthTransaction> {
  const { maxTransactions } = runtime.options;
  if (state === null || state === '') {
    throw new OAuthError('the callback carries no "state"; start the login again', {
      code: 'OAUTH_STATE_MISSING',
    });
  }
  // Delete the transaction before validating it, so a replayed callback cannot reuse it.
  const taken = await takePendingLogin(pendingLoginSettings(runtime.options), req, res, state);
  if (taken.found) return taken.transaction;
  // Nothing in the session changes here, nor is the store written: a forged callback (or an
  // error response carrying a foreign state) must not log anyone out, nor cost anything.
  if (taken.dropped) {
    throw new OAuthError(
      `the callback "state" belongs to a login dropped because more than ${maxTransactions} were started in this browser (maxTransactions)`,
      { code: 'OAUTH_STATE_MISMATCH', cause: { droppedBy: 'maxTransactions', maxTransactions } },
    );
  }
  throw taken.anyPending
    ? new OAuthError('the callback "state" matches no login started in this browser', {
        code: 'OAUTH_STATE_MISMATCH',
      })
    : new OAuthError('no login is in progress in this browser session; start at the login route', {
        code: 'OAUTH_NO_TRANSACTION',
      });
}

function checkPendingLogin(
  runtime: OAuthRuntime,
  provider: OAuthProviderClient,
  transaction: OAuthTransaction,
  query: URLSearchParams,
): void {
  const maxAge = runtime.options.transactionMaxAge;
  // Before anything else, and so before any token request: a login started on one tenant is
  // completed on that tenant only, whatever provider names match.
  if (transaction.tenant !== runtime.tenant) {
    throw new OAuthError('the callback "state" belongs to a login started on another tenant', {
      code: 'OAUTH_TENANT_MISMATCH',
      cause: { expected: runtime.tenant, actual: transaction.tenant },
    });
  }
  if (transaction.provider !== provider.name) {
    throw new OAuthError('the callback "state" belongs to a login with another provider', {
      code: 'OAUTH_STATE_MISMATCH',
    });
  }
  if (Date.now() - transaction.createdAt > maxAge * 1000) {
    throw new OAuthError(`the login took longer than ${maxAge} seconds; start it again`, {
      code: 'OAUTH_TRANSACTION_EXPIRED',
    });
  }
  if (provider.codeFlow && !query.get('code') && !query.get('error')) {
    throw new OAuthError('the callback carries neither "code" nor "error"', {
      code: 'OAUTH_INVALID_CALLBACK',
    });
  }
}

/** OpenID Connect Core 3.1.2.6: the answers to `prompt=none` that mean "ask the user". */
const SILENT_REFUSALS = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

function isSilentRefusal(error: unknown): boolean {
  return (
    error instanceof OAuthError &&
    error.code === 'OAUTH_AUTHORIZATION_ERROR' &&
    error.error !== undefined &&
    SILENT_REFUSALS.has(error.error)
  );
}

/** A spent or unknown `state` in a browser whose session already holds a signed-in user. */
function isReloadWhileSignedIn(error: unknown, req: Request, runtime: OAuthRuntime): boolean {
  return (
    error instanceof OAuthError &&
    (error.code === 'OAUTH_NO_TRANSACTION' || error.code === 'OAUTH_STATE_MISMATCH') &&
    readSignIn(req, runtime.options.secretKeys) !== undefined &&
    req.accepts(['json', 'html']) === 'html'
  );
}

async function completeCallback(
  runtime: OAuthRuntime,
  provider: OAuthProviderClient,
  req: Request,
  res: Response,
): Promise<void> {
  const started = performance.now();
  // form_post providers answer with a cross-site POST; the others only ever redirect (GET).
  // Asked only for a POST: a GET callback never waits for the provider's metadata.
  if (req.method !== 'GET') {
    const formPost = req.method === 'POST' && (await provider.responseMode?.()) === 'form_post';
    if (!formPost) {
      const configured = provider.settings.kind === 'oidc' && provider.settings.responseMode;
      res.setHeader('Allow', configured === 'form_post' ? 'GET, POST' : 'GET');
      throw new OAuthError('the callback accepts only GET (and POST for a form_post provider)', {
        code: 'OAUTH_METHOD_NOT_ALLOWED',
      });
    }
  }
  // The answer holds nothing to cache, whatever it is.
  res.setHeader('Cache-Control', 'no-store');
  const query = parseCallbackQuery(
    req.method === 'POST' ? `?${await readCallbackForm(req)}` : req.originalUrl,
    provider.codeFlow,
  );
  const state = query.get('state');
  let transaction: OAuthTransaction;
  try {
    transaction = await takeCallbackLogin(runtime, req, res, state);
  } catch (error) {
    if (!isReloadWhileSignedIn(error, req, runtime)) throw error;
    // A signed-in user who reloads the callback (or comes back to it through history) has
    // nothing to fix: send them on, and change nothing in the session. The callback of the login
    // that signed them in goes where that login was going (its pending login is spent, but the
    // session remembers it); any other state goes to the application's root.
    const returnTo = completedLoginReturnTo(req, runtime.options.secretKeys, state);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, safeReturnTo(returnTo ?? runtime.options.baseURL.pathname));
    return;
  }
  try {
    checkPendingLogin(runtime, provider, transaction, query);
    // The redirect_uri comes from the configured baseURL, never from the Host header.
    const callbackUrl = new URL(provider.settings.redirectUri);
    callbackUrl.search = query.toString();
    const validated = await provider.completeLogin(callbackUrl, state as string, transaction);
    checkDeliveredAuthTime(
      transaction.maxAge,
      validated.user,
      Date.now(),
      runtime.options.clockTolerance,
    );
    checkDeliveredAcr(transaction.acr, validated.user);
    const authentication = await decideSignIn(runtime, provider, req, validated);
    await establishSession(
      req,
      authentication,
      runtime.options,
      completedLogin(state as string, transaction.returnTo, runtime.options.baseURL.pathname),
    );
    await indexForBackchannelLogout(runtime, req, authentication);
    publish('loginSuccess', () => ({
      provider: provider.name,
      durationMs: performance.now() - started,
    }));
  } catch (error) {
    // The consumed pending login is already cleared in the browser: nothing to write to the store.
    if (transaction.silent === true && isSilentRefusal(error)) {
      // A silent login the provider cannot complete without the user: back where they were
      // going, still signed out, and no second attempt in this browser session.
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, transaction.returnTo);
      return;
    }
    throw error;
  }
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, transaction.returnTo);
}

/**
 * GET /callback — the provider's redirect back with `code`, `state` and `iss` (or `error`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export function callbackRoute(runtime: OAuthRuntime) {
  return function oauthCallback(
    req: Request,
    res: Response,
    next: NextFunction,
    provider: OAuthProviderClient,
  ): void {
    // The URL holds the authorization code: never let it leak to another site through Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    const started = performance.now();
    completeCallback(runtime, provider, req, res).catch((error: unknown) => {
      publishLoginFailure(provider.name, 'callback', error, started);
      handleCallbackError(runtime.options, error, req, res, next);
    });
  };
}
