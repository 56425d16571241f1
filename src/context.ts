import type { Request, Response } from 'express';
import { OAuthError } from './errors.js';
import { currentSignIn, endSignIn, endsSignIn, inspectSignIn } from './refresh/current-sign-in.js';
import { startLogin } from './routes/login.js';
import type { OAuthLoginOptions } from './routes/login.js';
import type { OAuthRuntime } from './runtime.js';
import { sessionEnded } from './policy/session-end.js';
import { startSilentLogin } from './policy/silent-login.js';
import { readAuthentication } from './session/sign-in.js';
import type { OAuthAuthentication } from './session/sign-in.js';
import { markSilentLogin } from './session/silent-marker.js';
import { destroySession } from './session/store.js';

/** Options of `req.oauth.trySilentLogin()`. */
export interface OAuthSilentLoginOptions {
  /** With several providers: which one. Default: `defaultProvider`. */
  provider?: string;
  /** Same-origin path to come back to, signed in or not. Default: the current URL. */
  returnTo?: string;
}

/**
 * `req.oauth`: what a handler can do with the signed-in session. A thin facade: every decision
 * about the sign-in is made in refresh/current-sign-in.ts. One instance per request, with methods
 * on the prototype, so requests that never call it pay for one small object.
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

  /** Whether a user is signed in with tokens that are still usable: unexpired, or renewable. */
  isAuthenticated(): boolean {
    return inspectSignIn(this.#runtime, this.#req).state !== 'none';
  }

  /**
   * The access token, refreshed first when it is due and a refresh token exists (one refresh
   * at a time per session; a rotated refresh token is stored). Rejects with `OAUTH_LOGIN_REQUIRED`
   * when the user must log in again, which also ends the signed-in session when the provider
   * refused the refresh.
   */
  async getAccessToken(): Promise<string> {
    return (await this.#current()).tokens.accessToken;
  }

  /** Calls the provider's userinfo endpoint; its `sub` must be the signed-in user's. */
  async fetchUserInfo(): Promise<Record<string, unknown>> {
    const signIn = await this.#current();
    try {
      return await this.#runtime.providers.pick(signIn.user.provider).fetchUserInfo(signIn);
    } catch (error) {
      if (endsSignIn(error, 'userinfo')) await endSignIn(this.#req);
      throw error;
    }
  }

  /**
   * Tries a silent login (`prompt=none`) once per browser session, from any route: resolves to
   * `true` after sending the browser to the provider (send nothing more), `false` when a user is
   * signed in already or a silent login was tried in this browser session (render the page). A
   * provider that cannot sign the user in without a page brings the browser back to `returnTo`,
   * signed out, without an error.
   *
   * @example
   * ```ts
   * app.get('/', async (req, res) => {
   *   if (req.accepts(['json', 'html']) === 'html' && (await req.oauth.trySilentLogin({ returnTo: '/' }))) return;
   *   res.send(homePage(req.oauthUser));
   * });
   * ```
   * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
   */
  async trySilentLogin(options: OAuthSilentLoginOptions = {}): Promise<boolean> {
    if (this.#req.oauthUser !== undefined) return false;
    return startSilentLogin(this.#runtime, this.#req, this.#res, {
      returnTo: options.returnTo ?? this.#req.originalUrl,
      provider: options.provider,
    });
  }

  /** Redirects the browser to the provider, as GET /login does, from any route of the application. */
  login(options?: OAuthLoginOptions): Promise<void> {
    return startLogin(this.#runtime, this.#req, this.#res, options);
  }

  /**
   * Destroys the local session and revokes its tokens at the provider (`revokeOnLogout`); the
   * provider's own browser session is left to the logout route.
   */
  async logout(): Promise<void> {
    const signIn = readAuthentication(this.#req);
    await destroySession(this.#req);
    this.#req.oauthUser = undefined;
    // A user who just logged out is not signed straight back in by a silent login.
    markSilentLogin(this.#req, this.#res, this.#runtime.options.baseURL, true);
    if (signIn !== undefined) await sessionEnded(this.#runtime, signIn, 'logout');
  }

  async #current(): Promise<OAuthAuthentication> {
    const current = await currentSignIn(this.#runtime, this.#req);
    if (current instanceof OAuthError) throw current;
    return current;
  }
}
