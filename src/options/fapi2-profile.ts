import { codedTypeError } from '../errors.js';
import type { ResolvedOidcProvider } from './provider.js';

/**
 * `profile: 'fapi2'`: the FAPI 2.0 Security Profile's requirements for clients, checked when the
 * middleware is created. The one home of these rules: each weaker setting throws a `TypeError`
 * whose message names the rule and its section, and whose `cause` carries both as data
 * (`{ profile, rule, section }`), so nobody has to read the message to tell them apart.
 *
 * What the package does by design under every profile is not repeated here: PKCE with S256 on
 * every OpenID Connect login, `state` and `nonce` bound to the browser's session, the
 * authorization code flow only.
 *
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html
 */

const SPEC = 'https://openid.net/specs/fapi-security-profile-2_0-final.html';

/** The algorithms the profile allows for signatures the package makes or checks (§5.4.1). */
export const FAPI2_SIGNING_ALGORITHMS: readonly string[] = ['PS256', 'ES256'];

/** The client authentication methods the profile allows (§5.3.3.1). */
const FAPI2_AUTH_METHODS: readonly string[] = [
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/** One rule of the profile, as the error's `cause` carries it. */
export interface Fapi2Rule {
  readonly profile: 'fapi2';
  readonly rule: string;
  /** The section of the FAPI 2.0 Security Profile (Final). */
  readonly section: string;
}

function refuse(rule: string, section: string, message: string): TypeError {
  const cause: Fapi2Rule = { profile: 'fapi2', rule, section };
  return codedTypeError(
    `profile "fapi2": ${message} (FAPI 2.0 Security Profile §${section}, ${SPEC}#section-${section})`,
    'ERR_INVALID_ARG_VALUE',
    cause,
  );
}

function readProfile(prefix: string, input: Record<string, unknown>): 'fapi2' | undefined {
  const profile = input.profile;
  if (profile === undefined) return undefined;
  if (profile !== 'fapi2') {
    throw codedTypeError(`"options.${prefix}profile" must be "fapi2"`, 'ERR_INVALID_ARG_VALUE');
  }
  return profile;
}

function checkClientAuthentication(prefix: string, provider: ResolvedOidcProvider): void {
  const method = provider.tokenEndpointAuthMethod;
  if (!FAPI2_AUTH_METHODS.includes(method)) {
    throw refuse(
      'client-authentication',
      '5.3.3.1',
      `client authentication must be private_key_jwt or mTLS, not "${method}"; set "${prefix}clientPrivateKey" (private_key_jwt) or "${prefix}clientCertificate" with tokenEndpointAuthMethod: 'tls_client_auth'`,
    );
  }
  if (provider.clientSecret !== undefined) {
    throw refuse(
      'no-client-secret',
      '5.3.3.1',
      `a client secret is not allowed; remove "${prefix}clientSecret"`,
    );
  }
}

function checkAlgorithms(prefix: string, provider: ResolvedOidcProvider): void {
  const weak = provider.clientKeys?.algorithms.find(
    (alg) => !FAPI2_SIGNING_ALGORITHMS.includes(alg),
  );
  if (weak !== undefined) {
    throw refuse(
      'signing-algorithms',
      '5.4.1',
      `client keys must sign with PS256 or ES256, not ${weak}; set alg: 'PS256' (RSA) or use a P-256 key in "${prefix}clientPrivateKey"`,
    );
  }
  if (!provider.verifyIdTokenSignature) {
    throw refuse(
      'signing-algorithms',
      '5.4.1',
      `ID token signatures must be verified (PS256 or ES256); remove "${prefix}verifyIdTokenSignature: false"`,
    );
  }
}

function checkTransport(
  prefix: string,
  input: Record<string, unknown>,
  provider: ResolvedOidcProvider,
): void {
  if (provider.allowInsecureHttp) {
    throw refuse('tls', '5.2.1', `"${prefix}allowInsecureHttp" is not allowed; use https`);
  }
  if (provider.issuer.protocol === 'http:' && input.allowLoopbackHttpInTests !== true) {
    throw refuse(
      'tls',
      '5.2.1',
      `the issuer must use https, even on loopback; a test suite may set "${prefix}allowLoopbackHttpInTests: true"`,
    );
  }
}

/**
 * Applies `profile` to a resolved OpenID Connect provider: refuses every setting weaker than the
 * profile, turns pushed authorization requests on, and asks the callback for RFC 9207 `iss` and
 * the profile's algorithms. Without a profile the provider is returned as it is.
 */
export function applyFapi2Profile(
  prefix: string,
  input: Record<string, unknown>,
  provider: ResolvedOidcProvider,
): ResolvedOidcProvider {
  if (readProfile(prefix, input) === undefined) {
    if (input.allowLoopbackHttpInTests !== undefined) {
      throw codedTypeError(
        `"options.${prefix}allowLoopbackHttpInTests" applies only with profile: 'fapi2'; remove it`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    return provider;
  }
  checkClientAuthentication(prefix, provider);
  if (provider.pushedAuthorizationRequests === false) {
    throw refuse(
      'pushed-authorization-requests',
      '5.3.3.2',
      `pushed authorization requests are required; remove "${prefix}pushedAuthorizationRequests: false"`,
    );
  }
  if (!provider.dpop && provider.clientCertificate === undefined) {
    throw refuse(
      'sender-constrained-tokens',
      '5.3.3.1',
      `access tokens must be sender-constrained; set "${prefix}dpop: true" or a "${prefix}clientCertificate" (mTLS certificate-bound tokens)`,
    );
  }
  checkAlgorithms(prefix, provider);
  checkTransport(prefix, input, provider);
  return {
    ...provider,
    pushedAuthorizationRequests: true,
    requireIssuerParameter: true,
    signingAlgorithms: FAPI2_SIGNING_ALGORITHMS,
  };
}
