import type { IncomingHttpHeaders } from 'node:http';

/** Any value JSON can carry: what scripted bodies, claims and patches are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object: a token response, a set of claims, a discovery document. */
export type JsonObject = { [key: string]: Json };

/**
 * A published verification key; also usable as a jose `JWK` (e.g. `createLocalJWKSet`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 */
export type PublicJwk = {
  /** Key type: always `'RSA'`. */
  kty: 'RSA';
  /** The RSA modulus, base64url-encoded. */
  n: string;
  /** The RSA public exponent, base64url-encoded. */
  e: string;
  /** The key id that JWT headers name. */
  kid: string;
  /** The algorithm the key signs with: always `'RS256'`. */
  alg: 'RS256';
  /** What the key is for: always `'sig'` (signatures). */
  use: 'sig';
};

/** Members merged over an honest object; a member set to `undefined` is removed. */
export type Patch<V = Json> = Record<string, V | undefined>;

/**
 * Which key signs a JWT:
 * - 'current': the published signing key (honest);
 * - 'foreign': a key that is NOT in the JWKS, but the header still names the current kid,
 *   so the RP finds a key and the signature fails (use `header: { kid: 'x' }` for an unknown kid);
 * - 'none': `alg: 'none'`, unsigned (`header.payload.`);
 * - 'hs256': HMAC-SHA256 with the client secret as the key, and no kid;
 * - 'hs256-public-pem': HMAC-SHA256 keyed with the current public key's SPKI PEM text (as
 *   Node's `KeyObject.export({ type: 'spki', format: 'pem' })` writes it), under its kid: the
 *   classic algorithm confusion, where a verifier that trusts the header's `alg` checks the HMAC
 *   with the key it would check RS256 with;
 * - 'hs256-public-jwk': the same, keyed with the current key's JWK as the JWKS serves it
 *   (`JSON.stringify` of its entry in {@link ScriptedProvider.jwks});
 * - a number: the published key at that index (0 = current; see `keyCount`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8725#section-3.1
 */
export type SigningKey =
  'current' | 'foreign' | 'none' | 'hs256' | 'hs256-public-pem' | 'hs256-public-jwk' | number;

/** How {@link ScriptedProvider.sign} (and a scripted ID token) signs a JWT. */
export interface SignOptions {
  /** Merged over the default header (`{ alg, kid }` as chosen by `key`); `undefined` removes. */
  header?: Patch;
  /** Which key signs; see {@link SigningKey}. Default `'current'` (honest). */
  key?: SigningKey;
}

/** How an ID token deviates from the honest one. */
export interface IdTokenScript extends SignOptions {
  /** Merged over the honest claims (`undefined` removes), or a function returning the claims. */
  claims?: Patch | ((honest: JsonObject) => JsonObject);
}

/** A request the provider received, as tests inspect it through `requests` and `last()`. */
export interface RecordedRequest {
  /** The HTTP method, e.g. `'POST'`. */
  method: string;
  /** Path without the query string, e.g. '/token'. */
  path: string;
  /** The query string's parameters (an authorization request's `state`, `nonce`, ...). */
  query: URLSearchParams;
  /** The request headers, names in lower case, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The raw request body; `''` when there is none. */
  body: string;
  /** Present when the body was sent as application/x-www-form-urlencoded. */
  form?: URLSearchParams;
}

/** What a `body` function of an {@link EndpointScript} is given besides the honest body. */
export interface ScriptContext {
  /** The request being answered. */
  request: RecordedRequest;
  /** The provider answering it, e.g. to {@link ScriptedProvider.sign} a hand-made token. */
  provider: ScriptedProvider;
}

/**
 * Overrides one endpoint. Every field is optional and they compose: e.g.
 * `{ delayMs: 50, set: {...} }` answers honestly but late and patched. The honest handler (which
 * consumes codes, rotates refresh tokens...) is skipped only when `body` is a fixed value, or on
 * `hang` / `drop`.
 */
export interface EndpointScript<Honest> {
  /** Apply to this many requests only, then answer honestly again (e.g. a single 429). */
  times?: number;
  /** Wait before answering. */
  delayMs?: number;
  /** Never answer (timeout tests); the socket is destroyed by `stop()` / `close()`. */
  hang?: boolean;
  /** Destroy the socket without answering (connection reset, fetch fails with a TypeError). */
  drop?: boolean;
  /**
   * Send the status, the headers and the first half of the body, then nothing more (a provider
   * that stalls mid-body); the socket is destroyed by `stop()` / `close()`.
   */
  stall?: boolean;
  /** The HTTP status to answer with instead of the honest one (e.g. `429`, `500`). */
  status?: number;
  /** Merged over the honest headers (names in lower case); `undefined` removes one. */
  headers?: Patch<string>;
  /** Top-level members merged over a JSON body (for /authorize: over the redirect's query). */
  set?: Patch;
  /**
   * A string is sent verbatim (content-type stays the endpoint's, usually application/json,
   * unless `headers` says otherwise); any other JSON value is serialised; a function receives
   * the honest body (after `set`) and returns either.
   */
  body?: string | Json | ((honest: Honest, ctx: ScriptContext) => string | Json);
}

/**
 * Overrides the authorization endpoint, whose honest answer is a redirect to the callback.
 *
 * @example
 * ```ts
 * provider.script.authorize = { set: { error: 'access_denied', code: undefined } };
 * ```
 */
export interface AuthorizeScript extends Omit<EndpointScript<string>, 'set'> {
  /**
   * Patch the redirect's query: `{ iss: undefined }`,
   * `{ error: 'access_denied', code: undefined }`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9207
   */
  set?: Patch<string>;
}

/** Overrides the token endpoint (the code exchange, or refreshes through `script.refresh`). */
export interface TokenScript extends EndpointScript<JsonObject> {
  /**
   * How the issued ID token deviates from the honest one (claims, signing key, header).
   *
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
   */
  idToken?: IdTokenScript;
}

/** Overrides the userinfo endpoint. */
export interface UserinfoScript extends EndpointScript<JsonObject> {
  /** Serve every claim but `sub` through `_claim_names` / `_claim_sources` (OIDC Core 5.6.2). */
  claimSources?: 'aggregated' | 'distributed';
}

/**
 * How each endpoint of the provider misbehaves; an endpoint left out answers honestly.
 *
 * @example
 * ```ts
 * provider.script.token = { times: 1, status: 429, headers: { 'retry-after': '2' } };
 * ```
 */
export interface Script {
  /** Both /.well-known/openid-configuration and /.well-known/oauth-authorization-server. */
  discovery?: EndpointScript<JsonObject>;
  /** The JWKS the ID token signatures are checked against. */
  jwks?: EndpointScript<JsonObject>;
  /** The authorization endpoint, which redirects the browser back with a code. */
  authorize?: AuthorizeScript;
  /** Token requests other than grant_type=refresh_token (i.e. the code exchange). */
  token?: TokenScript;
  /** Token requests with grant_type=refresh_token (`script.token` does not apply to them). */
  refresh?: TokenScript;
  /** The userinfo endpoint. */
  userinfo?: UserinfoScript;
  /** The end-session endpoint (RP-initiated logout) at /end-session. */
  endSession?: EndpointScript<string>;
  /** The distributed-claims source at /distributed (answers a signed JWT). */
  distributed?: EndpointScript<string>;
  /** The token revocation endpoint at /revoke (RFC 7009). */
  revocation?: EndpointScript<JsonObject>;
  /**
   * The token introspection endpoint at /introspect (RFC 7662); its honest answer names no `aud`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
   */
  introspection?: EndpointScript<JsonObject>;
}

export type EndpointName = keyof Script;

/** Options of `startOpenIdProvider()`; every one has a default. */
export interface ScriptedProviderOptions {
  /** Default 0 (any free port). Always bound on 127.0.0.1. */
  port?: number;
  /** Default 'scripted-client'. */
  clientId?: string;
  /** Default a fixed 40-character secret. */
  clientSecret?: string;
  /** The end-user every authorization is for. Default 'alice'. */
  subject?: string;
  /** Claims added to ID tokens and userinfo. Default name + email of Alice. */
  claims?: JsonObject;
  /** How many keys the JWKS publishes; the first signs. Default 1. */
  keyCount?: number;
  /** ID token lifetime in seconds. Default 300. */
  idTokenTtl?: number;
  /** Access token `expires_in`. Default 3600. */
  accessTokenTtl?: number;
}

/**
 * A running local OpenID Provider, from `startOpenIdProvider()`: honest by default, scripted to
 * misbehave per endpoint, and recording every request it receives.
 */
export interface ScriptedProvider {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly issuer: string;
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The client id it accepts (the `clientId` option, default `'scripted-client'`). */
  readonly clientId: string;
  /** The client secret it accepts, and the HS256 key of `key: 'hs256'`. */
  readonly clientSecret: string;
  /** The kid of the current signing key. */
  readonly kid: string;
  /** Changeable at runtime; captured at /authorize. */
  subject: string;
  /** Changeable at runtime; read when tokens / userinfo are produced. */
  claims: JsonObject;
  /** Mutate freely from tests; `reset()` clears it. */
  script: Script;
  /** Every request received, in arrival order (recorded before any scripted behaviour). */
  readonly requests: RecordedRequest[];
  /** How many requests reached `path` (e.g. `'/token'`) since the start or the last `reset()`. */
  count(path: string): number;
  /** The latest request to `path`, or `undefined` when there was none. */
  last(path: string): RecordedRequest | undefined;
  /** Clears script and recorded requests, restores subject and claims. Keys and grants survive. */
  reset(): void;
  /** The public JWKS as currently served. */
  jwks(): {
    /** The published verification keys, the current signing key first. */
    keys: PublicJwk[];
  };
  /** Replaces the signing key (the old kid leaves the JWKS); resolves to the new kid. */
  rotateKeys(): Promise<string>;
  /** Signs arbitrary claims (logout tokens, hand-made ID tokens...). */
  sign(payload: JsonObject, options?: SignOptions): Promise<string>;
  /** `issuer + path`. */
  url(path: string): string;
  /** Stops listening and destroys open sockets: the provider becomes unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops it for good (`start()` then fails); call it in the suite's `afterAll`. */
  close(): Promise<void>;
}
