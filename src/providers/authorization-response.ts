import { OAuthError } from '../errors.js';

/**
 * RFC 9207: the authorization response names its issuer in `iss`; a provider that says it does
 * (`authorization_response_iss_parameter_supported`) must always send it, and any `iss` sent must
 * be the expected issuer; under `profile: 'fapi2'` (`required`) every response must carry it,
 * whatever the metadata says (FAPI 2.0 Security Profile §5.3.3.2). Checked here, before openid-client, so the code is decided by the
 * package's own reason rather than by reading a library's message.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export function checkResponseIssuer(
  params: URLSearchParams,
  metadata: {
    readonly issuer: string;
    readonly authorization_response_iss_parameter_supported?: boolean;
  },
  required = false,
): void {
  const iss = params.get('iss');
  const supported = required || metadata.authorization_response_iss_parameter_supported === true;
  if (iss === null ? !supported : iss === metadata.issuer) return;
  throw new OAuthError(
    'the authorization response came from another issuer than the configured one (RFC 9207 "iss" missing or different)',
    { code: 'OAUTH_ISSUER_MISMATCH' },
  );
}
