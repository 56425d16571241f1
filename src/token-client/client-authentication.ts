/**
 * How a token client authenticates at the token endpoint: its `clientId`, the method (chosen from
 * the credentials given when it is not set), and the credential each method needs and no other.
 */
import { codedTypeError } from '../errors.js';
import { readClientCertificate } from '../options/client-certificate.js';
import type { ResolvedClientCertificate } from '../options/client-certificate.js';
import { readClientKeys } from '../options/client-keys.js';
import type { ClientKeySet } from '../options/client-keys.js';
import {
  invalid,
  missing,
  readOptionalString,
  readSecret,
  readString,
} from '../options/readers.js';
import { suggestName } from '../options/suggest-name.js';
import type { OAuthTokenClientAuthMethod } from './types.js';

/** The client a token request is made as, and how it proves it; internal. */
export interface TokenClientAuthentication {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** `undefined`: the provider knows no client at all (Algoreg). */
  readonly tokenEndpointAuthMethod: OAuthTokenClientAuthMethod | 'none' | undefined;
  /** For `private_key_jwt`: the first key signs. */
  readonly clientKeys: ClientKeySet | undefined;
  /** The `aud` of client assertions; `undefined`: the token endpoint's URL. */
  readonly clientAssertionAudience: string | undefined;
  /** Presented on the token request and on `client.fetch()` (RFC 8705). */
  readonly clientCertificate: ResolvedClientCertificate | undefined;
}

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const satisfies readonly OAuthTokenClientAuthMethod[];

/** What each method authenticates with, for the messages of a missing or unused credential. */
const CREDENTIAL_OF: Record<OAuthTokenClientAuthMethod | 'none', string | undefined> = {
  client_secret_basic: 'clientSecret',
  client_secret_post: 'clientSecret',
  client_secret_jwt: 'clientSecret',
  private_key_jwt: 'clientPrivateKey',
  tls_client_auth: 'clientCertificate',
  self_signed_tls_client_auth: 'clientCertificate',
  none: undefined,
};

function readMethod(
  value: unknown,
  grant: 'password' | 'client_credentials',
): OAuthTokenClientAuthMethod | 'none' | undefined {
  if (value === undefined) return undefined;
  // A public client has nothing to prove who it is with: RFC 6749 §4.4 is for confidential ones.
  const allowed: readonly string[] =
    grant === 'password' ? [...AUTH_METHODS, 'none'] : AUTH_METHODS;
  if (typeof value === 'string' && allowed.includes(value)) {
    return value as OAuthTokenClientAuthMethod | 'none';
  }
  const hint = typeof value === 'string' ? suggestName(value, allowed) : undefined;
  throw invalid(
    'tokenEndpointAuthMethod',
    `one of ${allowed.map((m) => `"${m}"`).join(', ')}${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
  );
}

/**
 * Reads the client's identity and authentication: a secret, else a private key, else a
 * certificate selects the method (as the middleware does); a method without its credential, or a
 * credential the method never uses, is refused.
 */
export function readClientAuthentication(
  input: Record<string, unknown>,
  grant: 'password' | 'client_credentials',
): TokenClientAuthentication {
  const required = grant === 'client_credentials';
  const clientId = required
    ? readString('clientId', input.clientId)
    : readOptionalString('clientId', input.clientId);
  const clientSecret =
    input.clientSecret === undefined ? undefined : readSecret('clientSecret', input.clientSecret);
  const clientKeys = readClientKeys('clientPrivateKey', input.clientPrivateKey);
  const clientCertificate = readClientCertificate('clientCertificate', input.clientCertificate);
  const clientAssertionAudience = readOptionalString(
    'clientAssertionAudience',
    input.clientAssertionAudience,
  );
  const explicit = readMethod(input.tokenEndpointAuthMethod, grant);
  if (clientId === undefined) {
    const given = [
      'clientSecret',
      'clientPrivateKey',
      'clientCertificate',
      'clientAssertionAudience',
      'tokenEndpointAuthMethod',
    ].find((name) => input[name] !== undefined);
    if (given !== undefined) {
      throw codedTypeError(
        `"options.${given}" needs "options.clientId"; set both, or neither when the token endpoint knows no client`,
        'ERR_MISSING_OPTION',
      );
    }
    return {
      clientId,
      clientSecret,
      tokenEndpointAuthMethod: undefined,
      clientKeys,
      clientAssertionAudience,
      clientCertificate,
    };
  }
  // As the middleware: a secret, else a private key, else a certificate selects the method.
  const method =
    explicit ??
    (clientSecret !== undefined
      ? 'client_secret_basic'
      : clientKeys !== undefined
        ? 'private_key_jwt'
        : clientCertificate !== undefined
          ? 'tls_client_auth'
          : required
            ? undefined
            : 'none');
  if (method === undefined) {
    throw missing(
      'clientSecret',
      `with grant "client_credentials"; or authenticate without a shared secret: set "options.clientPrivateKey" (private_key_jwt) or "options.clientCertificate" (tls_client_auth)`,
    );
  }
  const credential = CREDENTIAL_OF[method];
  if (credential !== undefined && input[credential] === undefined) {
    throw missing(
      credential,
      `with tokenEndpointAuthMethod "${method}"${
        credential === 'clientPrivateKey'
          ? ': the key that signs the client assertion'
          : credential === 'clientCertificate'
            ? ': { cert, key } of the certificate the provider knows the client by'
            : ''
      }`,
    );
  }
  // A credential the method never uses is a mistake in the setup, not something to ignore: the
  // client would authenticate differently from what its author expects. The certificate is the
  // exception, since it also binds the tokens (RFC 8705 §3) whatever the method.
  for (const unused of ['clientSecret', 'clientPrivateKey'] as const) {
    if (unused !== credential && input[unused] !== undefined) {
      throw codedTypeError(
        `"options.${unused}" is not used with tokenEndpointAuthMethod "${method}"; remove it, or set the method that uses it`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  if (
    clientAssertionAudience !== undefined &&
    method !== 'private_key_jwt' &&
    method !== 'client_secret_jwt'
  ) {
    throw codedTypeError(
      `"options.clientAssertionAudience" is only used by "private_key_jwt" and "client_secret_jwt", not "${method}"; remove it`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return {
    clientId,
    clientSecret,
    tokenEndpointAuthMethod: method,
    clientKeys,
    clientAssertionAudience,
    clientCertificate,
  };
}
