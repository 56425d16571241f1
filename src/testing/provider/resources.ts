import { epoch, jsonReply, textReply } from './reply.js';
import type { ProviderState, Reply } from './reply.js';
import type { Json, JsonObject, RecordedRequest, UserinfoScript } from './types.js';

export function discoveryEndpoint(state: ProviderState): Reply {
  return jsonReply({
    issuer: state.issuer,
    authorization_endpoint: state.url('/authorize'),
    token_endpoint: state.url('/token'),
    userinfo_endpoint: state.url('/userinfo'),
    jwks_uri: state.url('/jwks'),
    end_session_endpoint: state.url('/end-session'),
    revocation_endpoint: state.url('/revoke'),
    introspection_endpoint: state.url('/introspect'),
    authorization_response_iss_parameter_supported: true,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    subject_types_supported: ['public'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_parameter_supported: false,
  });
}

export function jwksEndpoint(state: ProviderState): Reply {
  return jsonReply(state.keys.jwks(), 200, { 'cache-control': 'max-age=60' });
}

function bearer(state: ProviderState, req: RecordedRequest): string | undefined {
  // A DPoP-bound token comes with the DPoP scheme (RFC 9449 §7.1); its proof is not checked.
  const token = /^(?:bearer|dpop)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const grant = token === undefined ? undefined : state.accessTokens.get(token);
  return grant && (grant.expiresAt ?? Infinity) > epoch() ? token : undefined;
}

export async function userinfoEndpoint(
  state: ProviderState,
  req: RecordedRequest,
  script: UserinfoScript | undefined,
): Promise<Reply> {
  const accessToken = bearer(state, req);
  const grant = accessToken === undefined ? undefined : state.accessTokens.get(accessToken);
  if (!accessToken || !grant) {
    return jsonReply({ error: 'invalid_token' }, 401, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  const claims = state.claims;
  switch (script?.claimSources) {
    case 'distributed':
    case 'aggregated': {
      const names: JsonObject = Object.fromEntries(Object.keys(claims).map((n) => [n, 'src1']));
      const source: JsonObject =
        script.claimSources === 'distributed'
          ? { endpoint: state.url('/distributed'), access_token: accessToken }
          : { JWT: await state.keys.sign({ iss: state.issuer, sub: grant.sub, ...claims }) };
      return jsonReply({ sub: grant.sub, _claim_names: names, _claim_sources: { src1: source } });
    }
    default:
      return jsonReply({ sub: grant.sub, ...claims });
  }
}

/** The distributed-claims source: a JWT of the claims, for whoever asks (tests check who did). */
export async function distributedEndpoint(
  state: ProviderState,
  req: RecordedRequest,
): Promise<Reply> {
  const accessToken = bearer(state, req);
  const sub = (accessToken && state.accessTokens.get(accessToken)?.sub) || state.subject;
  const claims: JsonObject = { iss: state.issuer, sub, ...state.claims };
  return textReply(await state.keys.sign(claims), 200, 'application/jwt');
}

export function endSessionEndpoint(): Reply {
  return textReply('logged out');
}

export function notFound(req: RecordedRequest): Reply {
  const body: Json = { error: 'not_found', path: req.path };
  return jsonReply(body, 404);
}
