import type { Request } from 'express';
import { OAuthError } from '../errors.js';

/** The access token a request presents, and how. */
export interface OAuthPresentedToken {
  readonly scheme: 'bearer' | 'dpop';
  readonly token: string;
  /**
   * Whether the token is a compact JWS (three base64url parts), as an RFC 9068 token is: it is
   * then verified as a JWT, any other token is opaque (introspected).
   */
  readonly jws: boolean;
  /** The `DPoP` header, when the request has exactly one. */
  readonly proof: string | undefined;
}

/**
 * A well-formed credential in one pass over the token: the scheme, then either a compact JWS or
 * any other RFC 6750 §2.1 b64token (a JWS is one too). Anything else is diagnosed apart.
 */
const CREDENTIAL = /^(bearer|dpop) +(?:([\w-]+\.[\w-]+\.[\w-]*)|([\w\-.~+/]+=*))$/i;

function refuse(reason: string): OAuthError {
  return new OAuthError(`the request's credentials are refused: ${reason}`, {
    code: 'OAUTH_INVALID_REQUEST',
  });
}

/** Whether the query string names an `access_token`, however the application parses queries. */
function hasQueryToken(req: Request): boolean {
  const index = req.originalUrl.indexOf('?');
  return index !== -1 && new URLSearchParams(req.originalUrl.slice(index + 1)).has('access_token');
}

function hasBodyToken(req: Request): boolean {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && Object.hasOwn(body, 'access_token');
}

/** Why an `Authorization` value that is not a well-formed credential is refused, if it is. */
function malformed(value: string): OAuthError | undefined {
  // Another scheme (Basic, say) is not a token for this API: answered like no token at all.
  if (!/^(bearer|dpop)\b/i.test(value)) return undefined;
  if (!/^(bearer|dpop) +\S+$/i.test(value)) {
    return refuse('the Authorization header is not "Bearer <token>" or "DPoP <token>"');
  }
  return refuse('the access token has characters a token cannot have');
}

/**
 * The token from the `Authorization` header (`Bearer` or `DPoP`), or undefined when the request
 * has none. A token in the query string or a parsed body is refused (RFC 6750 §2.2 and §2.3 are
 * not supported): URLs end up in logs and Referer headers, and a body token would make the route
 * answer cross-site form posts.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function presentedToken(req: Request): OAuthPresentedToken | undefined {
  if (hasQueryToken(req)) {
    throw refuse(
      'an access token in the query string is not accepted; send it in the Authorization header',
    );
  }
  if (hasBodyToken(req)) {
    throw refuse(
      'an access token in the body is not accepted; send it in the Authorization header',
    );
  }
  // The raw headers, however many times each was sent, in one pass (every request reads them).
  let authorization: string | undefined;
  let authorizations = 0;
  let proof: string | undefined;
  let proofs = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      authorization = raw[i + 1] ?? '';
      authorizations += 1;
    } else if (name.length === 4 && name.toLowerCase() === 'dpop') {
      proof = raw[i + 1] ?? '';
      proofs += 1;
    }
  }
  if (authorization === undefined) return undefined;
  if (authorizations > 1) throw refuse('more than one Authorization header');
  const value = authorization.trim();
  const match = CREDENTIAL.exec(value);
  if (match === null) {
    const refusal = malformed(value);
    if (refusal === undefined) return undefined;
    throw refusal;
  }
  if (proofs > 1) {
    throw new OAuthError('the request carries more than one DPoP proof', {
      code: 'OAUTH_INVALID_DPOP_PROOF',
    });
  }
  const [, scheme = '', jws, other] = match;
  return {
    // "DPoP" is the four-letter scheme, in whatever case it was sent.
    scheme: scheme.length === 4 ? 'dpop' : 'bearer',
    token: jws ?? other ?? '',
    jws: jws !== undefined,
    proof,
  };
}
