import type { Request } from 'express';
import { OAuthError } from '../errors.js';

/** The access token a request presents, and how. */
export interface OAuthPresentedToken {
  readonly scheme: 'bearer' | 'dpop';
  readonly token: string;
  /** The `DPoP` header, when the request has exactly one. */
  readonly proof: string | undefined;
}

/** RFC 6750 §2.1: the b64token syntax of a credential. */
const B64TOKEN = /^[\w\-.~+/]+=*$/;

function refuse(reason: string): OAuthError {
  return new OAuthError(`the request's credentials are refused: ${reason}`, {
    code: 'OAUTH_INVALID_REQUEST',
  });
}

/** The raw values of a header, however many times it was sent. */
function headerValues(req: Request, name: string): string[] {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === name) values.push(raw[i + 1] ?? '');
  }
  return values;
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
  const authorization = headerValues(req, 'authorization');
  if (authorization.length === 0) return undefined;
  if (authorization.length > 1) throw refuse('more than one Authorization header');
  const match = /^(bearer|dpop) +(\S+)$/i.exec(authorization[0]?.trim() ?? '');
  if (match === null) {
    // Another scheme (Basic, say) is not a token for this API: answered like no token at all.
    if (!/^(bearer|dpop)\b/i.test(authorization[0]?.trim() ?? '')) return undefined;
    throw refuse('the Authorization header is not "Bearer <token>" or "DPoP <token>"');
  }
  const [, scheme = '', token = ''] = match;
  if (!B64TOKEN.test(token)) throw refuse('the access token has characters a token cannot have');
  const proofs = headerValues(req, 'dpop');
  if (proofs.length > 1) {
    throw new OAuthError('the request carries more than one DPoP proof', {
      code: 'OAUTH_INVALID_DPOP_PROOF',
    });
  }
  return {
    scheme: scheme.toLowerCase() === 'dpop' ? 'dpop' : 'bearer',
    token,
    proof: proofs[0],
  };
}
