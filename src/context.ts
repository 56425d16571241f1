import type { Request, Response } from 'express';
import { WWWAuthenticateChallengeError } from 'openid-client';
import { codedTypeError, OAuthError } from './errors.js';
import { toOAuthError } from './providers/error-mapping.js';
import { allowsTransport } from './providers/plain-http.js';
import { resourceAccessToken } from './refresh/resource-tokens.js';
import type { OAuthTokens } from './session/tokens.js';
import { isReplayable } from './token-client/api-request.js';
import { currentSignIn, endSignIn, endsSignIn, inspectSignIn } from './refresh/current-sign-in.js';
import { startLogin } from './routes/login.js';
import type { OAuthLoginOptions } from './routes/login.js';
import type { OAuthRuntime } from './runtime.js';
import { publish } from './observability/events.js';
import { sessionEnded } from './policy/session-end.js';
import { startSilentLogin } from './policy/silent-login.js';
import { expireAccessToken } from './session/resource-tokens.js';
import {
  destroySignedInSession,
  readAuthentication,
  signedInElsewhere,
} from './session/sign-in.js';
import type { OAuthAuthentication } from './session/sign-in.js';
import { markSilentLogin } from './session/silent-marker.js';

/** Which token `req.oauth.getAccessToken()` and `req.oauth.fetch()` use. */
export interface OAuthResourceOptions {
  /** The API's resource identifier (RFC 8707): a token for it alone. Default: the sign-in's token. */
  resource?: string;
  /** With `resource`: the scopes to ask for that API. */
  scope?: string;
}

/** `fetch` options of `req.oauth.fetch()`, plus the token to use. */
export type OAuthFetchInit = RequestInit & OAuthResourceOptions;

/** An API URL a token may be sent to: absolute, and https off loopback. */
function apiUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw codedTypeError('req.oauth.fetch() needs an absolute URL', 'ERR_INVALID_URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !allowsTransport(url, false)) {
    throw codedTypeError(
      `req.oauth.fetch() sends tokens only over https (or to loopback), not to ${url.origin}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return url;
}

/**
 * openid-client has already answered one `use_dpop_nonce` with the nonce the API gave (RFC 9449
 * §9): asking again is not retried a third time.
 */
function askedForNonce(error: WWWAuthenticateChallengeError): boolean {
  return error.cause.some((challenge) => challenge.parameters.error === 'use_dpop_nonce');
}

/** A token and the sign-in it belongs to; internal. */
interface SessionToken {
  readonly signIn: OAuthAuthentication;
  readonly token: OAuthTokens;
}

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
   *
   * With `resource` (RFC 8707), a token for that API instead: obtained once with the refresh
   * token (`resource`, and `scope` when given), then kept in the session until it is due.
   *
   * A DPoP-bound token (a provider with `dpop: true`) is refused with `OAUTH_DPOP_PROOF_REQUIRED`:
   * it is useless without a proof signed with the session's key, which never leaves the server,
   * so call the API with {@link OAuthContext.fetch | req.oauth.fetch()} instead.
   *
   * @example
   * ```ts
   * const token = await req.oauth.getAccessToken({ resource: 'https://orders.api.example.com' });
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
   */
  async getAccessToken(options?: OAuthResourceOptions): Promise<string> {
    const { token } = await this.#token(options);
    if (token.tokenType === 'dpop') {
      throw new OAuthError(
        'the access token is DPoP-bound and needs a proof made with the session key: call the API with req.oauth.fetch() instead of req.oauth.getAccessToken()',
        { code: 'OAUTH_DPOP_PROOF_REQUIRED' },
      );
    }
    return token.accessToken;
  }

  /**
   * Calls an API with the session's access token (or, with `resource`, a token for that API),
   * refreshing first when needed. The token goes only in the `Authorization` header, only over
   * https (or to loopback). When the API answers `invalid_token`, the token is renewed and the
   * request sent once more (not with a stream body); any other answer is returned as it is.
   *
   * A DPoP-bound token (a provider with `dpop: true`) is sent as `Authorization: DPoP` with a
   * proof signed by the session's key, carrying `ath`; an API that answers `use_dpop_nonce` gets
   * the request once more with its nonce, and a second such answer rejects with
   * `OAUTH_DPOP_NONCE_LOOP`.
   *
   * @example
   * ```ts
   * const orders = await req.oauth.fetch('https://orders.api.example.com/v1/orders', {
   *   resource: 'https://orders.api.example.com',
   * });
   * res.json(await orders.json());
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
   */
  async fetch(input: string | URL, init: OAuthFetchInit = {}): Promise<globalThis.Response> {
    const { resource, scope, ...request } = init;
    const url = apiUrl(input);
    const target = resource === undefined ? undefined : { resource, scope };
    const first = await this.#token(target);
    try {
      return await this.#send(first, url, request);
    } catch (error) {
      if (!(error instanceof WWWAuthenticateChallengeError) || askedForNonce(error)) {
        throw toOAuthError(error, 'resource');
      }
      const refused = error.cause.some(
        (challenge) => challenge.parameters.error === 'invalid_token',
      );
      if (!refused || !isReplayable(request.body)) return error.response;
      // The API no longer accepts a token the session still trusted: renew it, try once more.
      if (target === undefined) {
        await expireAccessToken(this.#req, first.token.accessToken, this.#runtime.options);
      }
      const second = await this.#token(target, first.token.accessToken);
      try {
        return await this.#send(second, url, request);
      } catch (retryError) {
        if (retryError instanceof WWWAuthenticateChallengeError && !askedForNonce(retryError)) {
          return retryError.response;
        }
        throw toOAuthError(retryError, 'resource');
      }
    }
  }

  async #send(
    { signIn, token }: SessionToken,
    url: URL,
    init: RequestInit,
  ): Promise<globalThis.Response> {
    // A token for another API (RFC 8707) is bound to the sign-in's key too.
    const dpopKey = signIn.tokens.dpopKey;
    if (token.tokenType !== 'bearer' && (token.tokenType !== 'dpop' || dpopKey === undefined)) {
      throw new OAuthError(
        `the access token is a "${token.tokenType}" token; req.oauth.fetch() sends Bearer tokens, and DPoP tokens of a provider with dpop: true`,
        { code: 'OAUTH_INVALID_RESPONSE' },
      );
    }
    const provider = this.#runtime.providers.pick(signIn.user.provider);
    return provider.fetchResource({ ...token, dpopKey }, url, init);
  }

  /** The sign-in, and the token to send: its own, or one for `target.resource`. */
  async #token(target: OAuthResourceOptions | undefined, refused?: string): Promise<SessionToken> {
    const signIn = await this.#current();
    if (target?.resource === undefined) return { signIn, token: signIn.tokens };
    const token = await resourceAccessToken(
      this.#runtime,
      this.#req,
      signIn,
      { resource: target.resource, scope: target.scope },
      refused,
    );
    return { signIn, token };
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
    // Decrypted before the session goes: the tokens are revoked after it.
    const signIn = await readAuthentication(this.#req, this.#runtime.options.secretKeys);
    // Another tenant's sign-in in a shared session is not this tenant's to end.
    if (!signedInElsewhere(this.#req)) await destroySignedInSession(this.#req);
    this.#req.oauthUser = undefined;
    // A user who just logged out is not signed straight back in by a silent login.
    markSilentLogin(this.#req, this.#res, this.#runtime.options.baseURL, true);
    if (signIn !== undefined) await sessionEnded(this.#runtime, signIn, 'logout');
    publish('logout', () => ({ provider: signIn?.user.provider, endSession: false }));
  }

  async #current(): Promise<OAuthAuthentication> {
    const current = await currentSignIn(this.#runtime, this.#req);
    if (current instanceof OAuthError) throw current;
    return current;
  }
}
