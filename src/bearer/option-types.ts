/**
 * The options of `requireBearer()` and `requireAuthOrBearer()` as applications write them;
 * bearer/options.ts validates them.
 */
import type { OAuthMiddleware } from '../middleware.js';
import type { OAuthReplayStore } from './replay-store.js';

/**
 * Options of {@link requireBearer} and {@link requireAuthOrBearer}: which provider issues the
 * tokens, which audience they must be for, and what the route requires of them.
 */
export interface RequireBearerOptions {
  /**
   * The function `oauthMiddleware()` returned, for API routes that do not go through it (nor
   * through express-session): the guard then uses its providers directly, so a request carrying
   * only a token pays for nothing else. Default: the middleware mounted before the route.
   *
   * @example
   * ```ts
   * const oauth = oauthMiddleware(options);
   * app.get('/api/orders', requireBearer({ middleware: oauth, audience: API }), listOrders);
   * app.use(session(sessionOptions), oauth); // the pages, after the API
   * ```
   */
  middleware?: OAuthMiddleware;
  /**
   * The configured provider (its name in `oauthMiddleware()`'s `providers`) whose access tokens
   * are accepted. Default: the default provider. Only OpenID Connect providers (found by
   * discovery) can be used. Not together with `issuer`.
   */
  provider?: string;
  /**
   * The issuer whose access tokens are accepted, instead of naming the provider: it must be the
   * `issuer` of one of the configured OpenID Connect providers (the tokens are checked with that
   * provider's discovery, keys and client authentication). Not together with `provider`.
   */
  issuer?: string | URL;
  /**
   * This API's identifier(s): a token is accepted only when its `aud` names one of them (for an
   * opaque token, the introspection response's `aud`). Required: a token for another API must
   * never be accepted here.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
   * @see https://www.rfc-editor.org/rfc/rfc8707
   */
  audience: string | readonly string[];
  /**
   * Scopes the token must carry (all of them); a token that lacks one is answered 403
   * `insufficient_scope`, with the scopes in the challenge.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
   */
  scopes?: string | readonly string[];
  /** Claims the token must carry, each equal to the value given (or containing it, for arrays); 403 otherwise. */
  claims?: Readonly<Record<string, string | number | boolean>>;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. Default: the middleware's `clockTolerance`. */
  clockTolerance?: number;
  /**
   * Opaque (non-JWT) tokens are checked at the provider's introspection endpoint (RFC 7662) with
   * the client's configured authentication, and the answers cached. `false` refuses opaque tokens.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7662
   */
  introspection?: false | OAuthIntrospectionOptions;
  /**
   * DPoP-bound tokens (RFC 9449). Tokens bound to a key are always checked against the request's
   * proof; these options say whether unbound tokens are accepted, and how proofs are checked.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: OAuthDpopOptions;
}

/** How introspection answers are cached; see {@link RequireBearerOptions.introspection}. */
export interface OAuthIntrospectionOptions {
  /**
   * Seconds an answer is reused, at most; an active token's is never kept past its `exp`. Default
   * 30. A revoked token is accepted for up to this long: lower it for sensitive APIs.
   */
  cacheMaxAge?: number;
  /** How many answers are kept, least recently used first out. Default 10,000. */
  cacheMaxEntries?: number;
}

/** DPoP options; see {@link RequireBearerOptions.dpop}. */
export interface OAuthDpopOptions {
  /** Refuse tokens that are not DPoP-bound (bearer tokens). Default `false`. */
  required?: boolean;
  /**
   * Require the server's nonce in proofs (`DPoP-Nonce`, answered `use_dpop_nonce` until the
   * client uses it), so a proof cannot be made ahead of time. `true` keys the nonce with a random
   * secret of this process; with several instances, give them one `{ secret }` (32 characters or
   * more). Default `false`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
   */
  nonce?:
    | boolean
    | {
        /** The key of the nonces' HMAC, the same for every instance: 32 characters or more. */
        readonly secret: string;
      };
  /**
   * Remembers each proof's `jti` for the proof's lifetime, so a proof is used once. Default an
   * in-memory store, right for one instance; use {@link createRedisReplayStore} for several.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
   */
  replayStore?: OAuthReplayStore;
  /** Seconds a proof is accepted after its `iat` (and so how long its `jti` is remembered). Default 60. */
  proofMaxAge?: number;
}
