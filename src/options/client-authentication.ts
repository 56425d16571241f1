/**
 * How a provider's client authenticates at the token endpoint: the method (chosen from the
 * credentials given when it is not set) and the credential each method needs.
 */
import { readClientCertificate } from './client-certificate.js';
import type { ResolvedClientCertificate } from './client-certificate.js';
import { readClientKeys } from './client-keys.js';
import type { ClientKeySet } from './client-keys.js';
import type { OAuthOidcProvider } from './provider-types.js';
import { invalid, missing, readOptionalString } from './readers.js';

/** How a confidential or public client authenticates at the token endpoint: the option's values. */
export type TokenEndpointAuthMethod = NonNullable<OAuthOidcProvider['tokenEndpointAuthMethod']>;

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const satisfies readonly TokenEndpointAuthMethod[];

/** The methods that authenticate with the TLS client certificate (RFC 8705 §2). */
const TLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** The methods that sign or send the shared secret, and so need `clientSecret`. */
const SECRET_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
];

/** The client's authentication as its options give it (the `clientId` is read with the client). */
export interface ClientAuthentication {
  readonly clientSecret: string | undefined;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** For `private_key_jwt` and signed request objects. */
  readonly clientKeys: ClientKeySet | undefined;
  /** For mTLS: client authentication and certificate-bound tokens (RFC 8705). */
  readonly clientCertificate: ResolvedClientCertificate | undefined;
}

/**
 * Reads the client's credentials and its `tokenEndpointAuthMethod`: a secret, else a private key,
 * else a certificate selects the method, and a method without its credential is refused.
 */
export function readClientAuthentication(
  prefix: string,
  input: Record<string, unknown>,
): ClientAuthentication {
  const clientSecret = readOptionalString(`${prefix}clientSecret`, input.clientSecret);
  const clientKeys = readClientKeys(`${prefix}clientPrivateKey`, input.clientPrivateKey);
  const clientCertificate = readClientCertificate(
    `${prefix}clientCertificate`,
    input.clientCertificate,
  );
  const method =
    input.tokenEndpointAuthMethod ??
    (clientSecret
      ? 'client_secret_basic'
      : clientKeys
        ? 'private_key_jwt'
        : clientCertificate
          ? 'tls_client_auth'
          : 'none');
  if (!(AUTH_METHODS as readonly unknown[]).includes(method)) {
    throw invalid(
      `${prefix}tokenEndpointAuthMethod`,
      AUTH_METHODS.map((name) => `"${name}"`).join(', '),
    );
  }
  if (SECRET_METHODS.includes(method as string) && clientSecret === undefined) {
    throw missing(
      `${prefix}clientSecret`,
      `with tokenEndpointAuthMethod "${String(method)}"; set tokenEndpointAuthMethod: 'none' for a public client`,
    );
  }
  if (method === 'private_key_jwt' && clientKeys === undefined) {
    throw missing(
      `${prefix}clientPrivateKey`,
      'with tokenEndpointAuthMethod "private_key_jwt": the key that signs the client assertion',
    );
  }
  if (TLS_METHODS.includes(method as string) && clientCertificate === undefined) {
    throw missing(
      `${prefix}clientCertificate`,
      `with tokenEndpointAuthMethod "${String(method)}": { cert, key } of the certificate the provider knows the client by`,
    );
  }
  return {
    clientSecret,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    clientKeys,
    clientCertificate,
  };
}
