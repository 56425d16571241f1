import type { Request, Response } from 'express';
import { OAuthError } from './errors.js';
import { refreshAcrossInstances } from './coordinated-refresh.js';
import { startLogin } from './login.js';
import type { OAuthLoginOptions } from './login.js';
import type { OAuthProviderClient } from './providers/provider.js';
import type { OAuthRuntime } from './runtime.js';
import {
  clearAuthentication,
  destroySession,
  readAuthentication,
  sessionKey,
  updateAuthentication,
} from './session.js';
import type { OAuthAuthentication } from './session.js';
import { isExpired, requireRefreshToken } from './tokens.js';

/** Failures after which the session no longer proves who the user is. */
export const ENDS_SESSION = new Set([
  'OAUTH_INVALID_GRANT',
  'OAUTH_SUBJECT_MISMATCH',
  'OAUTH_LOGIN_REQUIRED',
  // Only a refresh answers with an ID token here: a provider that rotates refresh tokens has
  // spent the old one already, so the session cannot be kept.
  'OAUTH_ID_TOKEN_INVALID',
]);

/**
 * `req.oauth`: what a handler can do with the signed-in session. One instance per request, with
 * methods on the prototype, so requests that never call it pay for one small object.
 */
export class OAuthContext {
  readonly #runtime: OAuthRuntime;
  readonly #req: Request;
  readonly #res: Response;

  /** @internal */
  constructor(runtime: OAuthRuntime, req: Request, res: Response) {
    this.#runtime = runtime;
    this.#req = req;
    this.#res = res;
  }

  /**
   * @internal Lets `requireAuth()`, created apart from the middleware, find the middleware that
   * ran before it: the one whose context `req.oauth` is. Kept on the context rather than as one
   * more property of every request.
   */
  static runtimeOf(context: unknown): OAuthRuntime | undefined {
    return typeof context === 'object' && context !== null && #runtime in context
      ? context.#runtime
      : undefined;
  }

  /**
   * Whether a user is signed in with tokens that are still usable: unexpired, or refreshable.
   */
  isAuthenticated(): boolean {
    return usableAuthentication(this.#req) !== undefined;
  }

  /**
   * The access token, refreshed first when it has expired and a refresh token exists (one refresh
   * at a time per session; a rotated refresh token is stored). Rejects with `OAUTH_LOGIN_REQUIRED`
   * when the user must log in again, which also ends the signed-in session.
   */
  async getAccessToken(): Promise<string> {
    return (await this.#current()).tokens.accessToken;
  }

  /** Calls the provider's userinfo endpoint; its `sub` must be the signed-in user's. */
  async fetchUserInfo(): Promise<Record<string, unknown>> {
    const authentication = await this.#current();
    try {
      return await this.#providerOf(authentication).fetchUserInfo(authentication);
    } catch (error) {
      await this.#endIfInvalid(error);
      throw error;
    }
  }

  /** Redirects the browser to the provider, as GET /login does, from any route of the application. */
  login(options?: OAuthLoginOptions): Promise<void> {
    return startLogin(this.#runtime, this.#req, this.#res, options);
  }

  /** Destroys the local session (the provider's own session is left to the logout route). */
  async logout(): Promise<void> {
    await destroySession(this.#req);
    this.#req.oauthUser = undefined;
  }

  async #current(): Promise<OAuthAuthentication> {
    const { options, refresher } = this.#runtime;
    const authentication = readAuthentication(this.#req);
    if (authentication === undefined) {
      throw new OAuthError('no user is signed in', { code: 'OAUTH_LOGIN_REQUIRED' });
    }
    if (!isExpired(authentication.tokens, Date.now(), options.refreshLeeway * 1000)) {
      return authentication;
    }
    try {
      const refreshToken = requireRefreshToken(authentication.tokens);
      const provider = this.#providerOf(authentication);
      const refreshed = await refresher.run(sessionKey(this.#req), refreshToken, () =>
        refreshAcrossInstances(this.#runtime, this.#req, provider, refreshToken),
      );
      if (readAuthentication(this.#req)?.tokens.accessToken !== refreshed.tokens.accessToken) {
        await updateAuthentication(this.#req, refreshed);
      }
      this.#req.oauthUser = refreshed.user;
      return refreshed;
    } catch (error) {
      await this.#endIfInvalid(error);
      if (error instanceof OAuthError && error.code === 'OAUTH_INVALID_GRANT') {
        throw new OAuthError('the provider refused the refresh token; log in again', {
          code: 'OAUTH_LOGIN_REQUIRED',
          error: 'invalid_grant',
          cause: error,
        });
      }
      throw error;
    }
  }

  #providerOf(authentication: OAuthAuthentication): OAuthProviderClient {
    const provider = this.#runtime.providers.get(authentication.user.provider);
    if (provider === undefined) {
      throw new OAuthError('the session belongs to a provider that is no longer configured', {
        code: 'OAUTH_LOGIN_REQUIRED',
      });
    }
    return provider;
  }

  async #endIfInvalid(error: unknown): Promise<void> {
    if (error instanceof OAuthError && ENDS_SESSION.has(error.code)) {
      this.#req.oauthUser = undefined;
      await clearAuthentication(this.#req);
    }
  }
}

/** The session's sign-in unless its access token expired with no way to refresh it. */
export function usableAuthentication(req: Request): OAuthAuthentication | undefined {
  const authentication = readAuthentication(req);
  if (authentication === undefined) return undefined;
  const { tokens } = authentication;
  if (tokens.refreshToken === undefined && isExpired(tokens, Date.now(), 0)) return undefined;
  return authentication;
}
