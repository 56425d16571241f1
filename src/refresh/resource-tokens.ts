import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { codedTypeError, OAuthError } from '../errors.js';
import type { OAuthRuntime } from '../runtime.js';
import type { OAuthAuthentication } from '../session/sign-in.js';
import {
  readResourceToken,
  resourceTokenOf,
  storeResourceToken,
} from '../session/resource-tokens.js';
import { readSignedIn } from '../session/sign-in.js';
import { reloadSession } from '../session/store.js';
import type { OAuthTokens } from '../session/tokens.js';
import { tokenState } from './expiry.js';
import { runExclusive } from './exclusive.js';

/**
 * Access tokens for other APIs (RFC 8707 resource indicators): one sign-in, several narrowly
 * scoped tokens, each obtained by a refresh token grant with `resource` (and `scope`), cached in
 * the session per audience until it is due, and obtained one at a time under the same lock as a
 * refresh, since the exchange spends the refresh token at providers that rotate it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */

/** What a handler asks for. */
export interface ResourceRequest {
  /** The API's resource identifier: an absolute URI without a fragment. */
  readonly resource: string;
  /** Space-separated scopes for that API; default: what the provider grants for it. */
  readonly scope?: string | undefined;
}

function checkResource(request: ResourceRequest): void {
  let url: URL | undefined;
  try {
    url = new URL(request.resource);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.hash !== '') {
    throw codedTypeError(
      '"resource" must be an absolute URI without a fragment (RFC 8707 §2)',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (request.scope !== undefined && (typeof request.scope !== 'string' || request.scope === '')) {
    throw codedTypeError('"scope" must be a non-empty string', 'ERR_INVALID_ARG_VALUE');
  }
}

/** The session key of a resource token. */
export function resourceKey(request: ResourceRequest): string {
  return `${request.resource} ${request.scope ?? ''}`.trimEnd();
}

function usable(runtime: OAuthRuntime, token: OAuthTokens | undefined): token is OAuthTokens {
  return (
    token !== undefined &&
    tokenState(token, Date.now(), runtime.options.refreshLeeway * 1000) === 'valid'
  );
}

/**
 * The access token for `request.resource`, from the session or from one exchange at the provider;
 * never `refused`, a token the API has just refused.
 */
export async function resourceAccessToken(
  runtime: OAuthRuntime,
  req: Request,
  signIn: OAuthAuthentication,
  request: ResourceRequest,
  refused?: string,
): Promise<OAuthTokens> {
  checkResource(request);
  const key = resourceKey(request);
  // A token the API just refused is not reused, however long it has left.
  const reusable = (token: OAuthTokens | undefined): token is OAuthTokens =>
    usable(runtime, token) && token.accessToken !== refused;
  const keys = runtime.options.secretKeys;
  const cached = await readResourceToken(req, key, keys);
  if (reusable(cached)) return cached;
  const spent = signIn.tokens.refreshToken;
  if (spent === undefined) {
    throw codedTypeError(
      'tokens per resource are obtained with the refresh token, and this sign-in has none: ask the provider for one (offline_access, or its own setting)',
      'ERR_INVALID_STATE',
    );
  }
  const provider = runtime.providers.pick(signIn.user.provider);
  // The same lock key as a refresh of these tokens: the two exclude each other everywhere.
  const lockKey = createHash('sha256').update(spent).digest('base64url');
  return runExclusive(runtime, lockKey, 'refresh', async () => {
    if (!(await reloadSession(req))) {
      throw new OAuthError('the session ended while a token was being obtained; log in again', {
        code: 'OAUTH_LOGIN_REQUIRED',
      });
    }
    const now = await readSignedIn(req, keys);
    const fresh = resourceTokenOf(now, key);
    if (reusable(fresh)) return fresh;
    const current = now?.authentication ?? signIn;
    const requestedAt = Date.now();
    const answer = await provider.refresh(current, {
      resource: request.resource,
      ...(request.scope === undefined ? {} : { scope: request.scope }),
    });
    const { accessToken, tokenType, expiresAt, scope } = answer.tokens;
    const token: OAuthTokens = {
      accessToken,
      tokenType,
      ...(expiresAt === undefined ? {} : { expiresAt, issuedAt: requestedAt }),
      ...(scope === undefined ? {} : { scope }),
    };
    await storeResourceToken(req, key, token, answer.tokens.refreshToken, runtime.options);
    return token;
  });
}
