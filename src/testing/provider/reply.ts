import type { KeyRing } from './keys.js';
import type { Json, JsonObject } from './types.js';

/** What a handler wants sent; the server applies the endpoint's script on top before writing. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A string is written verbatim, anything else as JSON. */
  body: string | Json;
  /** For redirects: `set` patches this URL's query, then it becomes the location header. */
  location?: URL;
}

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  scope: string;
  sub: string;
  authTime: number;
  sid: string;
}

export interface TokenGrant {
  sub: string;
  scope: string;
  authTime: number;
  sid: string;
  /** Epoch seconds; refresh tokens do not expire. */
  expiresAt?: number;
}

/** The provider as its handlers see it (implemented by the server class). */
export interface ProviderState {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subject: string;
  readonly claims: JsonObject;
  readonly keys: KeyRing;
  readonly idTokenTtl: number;
  readonly accessTokenTtl: number;
  readonly codes: Map<string, CodeGrant>;
  readonly accessTokens: Map<string, TokenGrant>;
  readonly refreshTokens: Map<string, TokenGrant>;
  url(path: string): string;
}

const noStore = { 'cache-control': 'no-store' };

export function jsonReply(body: Json, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...noStore, ...headers }, body };
}

export function textReply(body: string, status = 200, contentType = 'text/plain'): Reply {
  return { status, headers: { 'content-type': `${contentType}; charset=utf-8` }, body };
}

export function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Reply {
  const body: JsonObject = { error, error_description: description };
  return jsonReply(body, status, headers);
}

export function epoch(): number {
  return Math.floor(Date.now() / 1000);
}
