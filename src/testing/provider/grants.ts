import { createHash, randomBytes } from 'node:crypto';
import { applyPatch } from './keys.js';
import { epoch, jsonReply, oauthError, textReply } from './reply.js';
import type { ProviderState, Reply, TokenGrant } from './reply.js';
import type { IdTokenScript, JsonObject, RecordedRequest } from './types.js';

const token = (): string => randomBytes(24).toString('base64url');

/** GET /authorize: no login UI, the current `subject` is always the one who consents. */
export function authorizeEndpoint(state: ProviderState, req: RecordedRequest): Reply {
  const q = req.query;
  const redirectUri = q.get('redirect_uri');
  let location: URL;
  try {
    location = new URL(redirectUri ?? '');
  } catch {
    // Without a usable redirect_uri the error must not be redirected anywhere (RFC 6749 4.1.2.1).
    return textReply('invalid or missing redirect_uri', 400);
  }
  if (q.get('client_id') !== state.clientId) return textReply('unknown client_id', 400);

  const reply = (params: Record<string, string | undefined>): Reply => {
    for (const [name, value] of Object.entries({ ...params, state: q.get('state') ?? undefined })) {
      if (value !== undefined) location.searchParams.set(name, value);
    }
    location.searchParams.set('iss', state.issuer);
    return { status: 302, headers: {}, body: '', location };
  };
  const invalid = (description: string): Reply =>
    reply({ error: 'invalid_request', error_description: description });

  if (q.get('response_type') !== 'code') {
    return reply({ error: 'unsupported_response_type', error_description: 'only code' });
  }
  if (!q.get('state')) return invalid('state is required');
  const codeChallenge = q.get('code_challenge');
  if (!codeChallenge || q.get('code_challenge_method') !== 'S256') {
    return invalid('PKCE with S256 is required');
  }

  const code = token();
  state.codes.set(code, {
    clientId: state.clientId,
    redirectUri: redirectUri ?? '',
    codeChallenge,
    nonce: q.get('nonce') ?? undefined,
    scope: q.get('scope') ?? 'openid',
    sub: state.subject,
    authTime: epoch(),
    sid: token(),
  });
  return reply({ code });
}

/** client_secret_basic or client_secret_post; undefined when the client is authenticated. */
function authenticateClient(state: ProviderState, req: RecordedRequest): Reply | undefined {
  const form = req.form ?? new URLSearchParams();
  const authorization = req.headers.authorization ?? '';
  const basic = /^basic /i.test(authorization);
  if (basic && form.has('client_secret')) {
    return oauthError(400, 'invalid_request', 'more than one client authentication method');
  }
  let id: string | null;
  let secret: string | null;
  if (basic) {
    // RFC 6749 2.3.1: both parts are form-urlencoded before being joined and base64-encoded.
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const unform = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    id = colon === -1 ? null : unform(decoded.slice(0, colon));
    secret = colon === -1 ? null : unform(decoded.slice(colon + 1));
    if (form.has('client_id') && form.get('client_id') !== id) id = null;
  } else {
    id = form.get('client_id');
    secret = form.get('client_secret');
  }
  if (id === state.clientId && secret === state.clientSecret) return undefined;
  const challenge: Record<string, string> = basic
    ? { 'www-authenticate': 'Basic realm="scripted-provider"' }
    : {};
  return oauthError(401, 'invalid_client', 'client authentication failed', challenge);
}

async function issueTokens(
  state: ProviderState,
  grant: TokenGrant,
  nonce: string | undefined,
  tamper: IdTokenScript = {},
  dpop = false,
): Promise<Reply> {
  const now = epoch();
  const accessToken = token();
  const refreshToken = token();
  state.accessTokens.set(accessToken, { ...grant, expiresAt: now + state.accessTokenTtl });
  state.refreshTokens.set(refreshToken, { ...grant });

  const honest: JsonObject = {
    ...state.claims,
    iss: state.issuer,
    sub: grant.sub,
    aud: state.clientId,
    exp: now + state.idTokenTtl,
    iat: now,
    auth_time: grant.authTime,
    sid: grant.sid,
    ...(nonce === undefined ? {} : { nonce }),
  };
  const claims =
    typeof tamper.claims === 'function' ? tamper.claims(honest) : applyPatch(honest, tamper.claims);
  return jsonReply({
    access_token: accessToken,
    // RFC 9449 §5: a request with a DPoP proof gets a DPoP-bound token (the proof is not checked).
    token_type: dpop ? 'DPoP' : 'Bearer',
    expires_in: state.accessTokenTtl,
    refresh_token: refreshToken,
    id_token: await state.keys.sign(claims, tamper),
    scope: grant.scope,
  });
}

/** POST /token for both grants; `tamper` is the ID token script of the grant's TokenScript. */
export async function tokenEndpoint(
  state: ProviderState,
  req: RecordedRequest,
  tamper: IdTokenScript | undefined,
): Promise<Reply> {
  const unauthenticated = authenticateClient(state, req);
  if (unauthenticated) return unauthenticated;
  const form = req.form ?? new URLSearchParams();
  const dpop = req.headers.dpop !== undefined;

  switch (form.get('grant_type')) {
    case 'authorization_code': {
      const code = form.get('code') ?? '';
      const grant = state.codes.get(code);
      // Single use: the code is gone whatever the outcome of this attempt.
      state.codes.delete(code);
      if (!grant) return oauthError(400, 'invalid_grant', 'unknown, used or expired code');
      if (form.get('redirect_uri') !== grant.redirectUri) {
        return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization');
      }
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== grant.codeChallenge) {
        return oauthError(400, 'invalid_grant', 'PKCE verification failed');
      }
      const { sub, scope, authTime, sid } = grant;
      return issueTokens(state, { sub, scope, authTime, sid }, grant.nonce, tamper, dpop);
    }
    case 'refresh_token': {
      const refreshToken = form.get('refresh_token') ?? '';
      const grant = state.refreshTokens.get(refreshToken);
      if (!grant) return oauthError(400, 'invalid_grant', 'unknown or already rotated token');
      // Rotation: the presented refresh token is spent, a new one comes with the response.
      state.refreshTokens.delete(refreshToken);
      return issueTokens(state, grant, undefined, tamper, dpop);
    }
    default:
      return oauthError(400, 'unsupported_grant_type', 'authorization_code or refresh_token');
  }
}

/**
 * POST /revoke (RFC 7009): the client authenticates as at the token endpoint; the token is
 * forgotten whichever kind it is, and an unknown token is answered 200 all the same (§2.2).
 */
export function revocationEndpoint(state: ProviderState, req: RecordedRequest): Reply {
  const unauthenticated = authenticateClient(state, req);
  if (unauthenticated) return unauthenticated;
  const revoked = req.form?.get('token') ?? '';
  if (revoked === '') return oauthError(400, 'invalid_request', 'the token parameter is missing');
  state.accessTokens.delete(revoked);
  state.refreshTokens.delete(revoked);
  return textReply('', 200);
}

/**
 * POST /introspect (RFC 7662): the client authenticates as at the token endpoint; an access token
 * this provider issued and that has not expired or been revoked is `active`, with its `sub`,
 * `scope`, `client_id`, `exp` and `iss`; anything else is `{ active: false }` (§2.2). The honest
 * answer names no `aud`: tests that need one add it with `script.introspection = { set: { aud } }`.
 */
export function introspectionEndpoint(state: ProviderState, req: RecordedRequest): Reply {
  const unauthenticated = authenticateClient(state, req);
  if (unauthenticated) return unauthenticated;
  const token = req.form?.get('token') ?? '';
  if (token === '') return oauthError(400, 'invalid_request', 'the token parameter is missing');
  const grant = state.accessTokens.get(token);
  if (grant === undefined || (grant.expiresAt ?? Infinity) <= epoch()) {
    return jsonReply({ active: false });
  }
  return jsonReply({
    active: true,
    sub: grant.sub,
    scope: grant.scope,
    client_id: state.clientId,
    token_type: 'Bearer',
    iss: state.issuer,
    ...(grant.expiresAt === undefined ? {} : { exp: grant.expiresAt }),
  });
}
