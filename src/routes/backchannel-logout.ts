import { urlencoded } from 'express';
import type { Request, Response } from 'express';
import { OAuthError } from '../errors.js';
import { publish } from '../observability/events.js';
import type { OAuthProviderClient } from '../providers/client.js';
import { SeenTokens } from '../providers/logout-token.js';
import { sessionEnded } from '../policy/session-end.js';
import type { OAuthRuntime } from '../runtime.js';
import { endIndexedSessions } from '../session/logout-index.js';
import { asOAuthError } from './handle-error.js';

/** The logout token arrives form-encoded; the limit keeps a hostile body small. */
const parseForm = urlencoded({ extended: false, limit: '32kb' });

function answer(res: Response, status: number, body?: Record<string, unknown>): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  if (body === undefined) res.end();
  else res.json(body);
}

/**
 * POST /backchannel-logout — OpenID Connect Back-Channel Logout 1.0: the provider tells the
 * application that a user (or one provider session) logged out. The logout token is verified
 * against the provider's JWKS and its claims checked, each token is used once, and the matching
 * sessions are destroyed in the session store, whichever app instance created them.
 *
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogoutRoute(runtime: OAuthRuntime) {
  const seen = new SeenTokens();
  const { options } = runtime;

  async function logout(req: Request, res: Response, provider: OAuthProviderClient): Promise<void> {
    if (provider.verifyLogoutToken === undefined) {
      throw new OAuthError('this provider does not use back-channel logout', {
        code: 'OAUTH_UNKNOWN_PROVIDER',
      });
    }
    const body: unknown = req.body;
    const token =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>).logout_token
        : undefined;
    if (typeof token !== 'string' || token === '') {
      throw new OAuthError('the request carries no logout_token (form-encoded)', {
        code: 'OAUTH_LOGOUT_TOKEN_INVALID',
      });
    }
    const claims = await provider.verifyLogoutToken(token);
    const until = claims.exp ?? claims.iat + 600;
    if (!seen.remember(`${provider.name}\u0000${claims.jti}`, until)) {
      throw new OAuthError('the logout token was used already (replayed "jti")', {
        code: 'OAUTH_LOGOUT_TOKEN_INVALID',
      });
    }
    const sessions = await endIndexedSessions(
      runtime,
      req.sessionStore,
      {
        issuer: claims.issuer,
        sub: claims.sub,
        sid: claims.sid,
        // Sessions signed in after the token was issued are newer than this logout.
        issuedAt: claims.iat + options.clockTolerance,
      },
      (signIn) => sessionEnded(runtime, signIn, 'backchannel'),
    );
    answer(res, 200);
    publish('backchannelLogout', () => ({ provider: provider.name, outcome: 'success', sessions }));
  }

  function fail(res: Response, error: unknown): void {
    const failure = asOAuthError(error, options);
    if (failure.status >= 500) {
      options.logger.error(`${failure.code}: ${failure.message}`, failure.cause, {
        code: failure.code,
      });
    }
    // The specification's answer to a token that failed validation: 400 with an OAuth error.
    const status = failure.code === 'OAUTH_LOGOUT_TOKEN_INVALID' ? 400 : failure.status;
    answer(res, status, {
      error: status === 400 ? 'invalid_request' : 'server_error',
      error_description: failure.message,
      code: failure.code,
    });
  }

  return function oauthBackchannelLogout(
    req: Request,
    res: Response,
    _next: unknown,
    provider: OAuthProviderClient,
  ): void {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      answer(res, 405, { error: 'invalid_request', error_description: 'use POST' });
      return;
    }
    parseForm(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) {
        answer(res, 400, {
          error: 'invalid_request',
          error_description: 'the body is not a readable form',
        });
        return;
      }
      logout(req, res, provider).catch((failure: unknown) => {
        const code = failure instanceof OAuthError ? failure.code : 'OAUTH_INTERNAL_ERROR';
        publish('backchannelLogout', () => ({ provider: provider.name, outcome: 'failure', code }));
        fail(res, failure);
      });
    });
  };
}
