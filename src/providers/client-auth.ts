import {
  ClientSecretBasic,
  ClientSecretJwt,
  ClientSecretPost,
  None,
  PrivateKeyJwt,
  TlsClientAuth,
} from 'openid-client';
import { OAuthError } from '../errors.js';
import type { ClientAuth } from 'openid-client';
import type { ClientKeySet } from '../options/client-keys.js';
import type { TokenEndpointAuthMethod } from '../options/client-authentication.js';

/** How the application proves who it is at a token endpoint. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** `client_secret_basic` only: RFC 6749's form-urlencoding, or the credentials as they are. */
  readonly basicAuthEncoding?: 'form-urlencoded' | 'plain';
  /** `private_key_jwt` only: the keys, the first of which signs. */
  readonly clientKeys?: ClientKeySet | undefined;
}

/**
 * `private_key_jwt` (RFC 7523 §2.2): a client assertion signed with the newest key, imported on
 * first use; openid-client builds and signs the assertion.
 */
function privateKeyJwt(keys: ClientKeySet): ClientAuth {
  return async (as, client, body, headers) => {
    const signing = await keys.signingKey();
    await PrivateKeyJwt({ key: signing.key, kid: signing.kid })(as, client, body, headers);
  };
}

/**
 * `client_secret_basic` without RFC 6749 §2.3.1's form-urlencoding: `Basic base64(id:secret)` as
 * RFC 7617 builds it, for providers that do not decode the credentials (see the
 * `basicAuthEncoding` quirk).
 */
function plainClientSecretBasic(clientId: string, clientSecret: string): ClientAuth {
  const credentials = Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64');
  return (_as, _client, _body, headers) => {
    headers.set('authorization', `Basic ${credentials}`);
  };
}

/**
 * The one place that turns the configured client authentication into openid-client's, for every
 * token request the package makes (sign-in, refresh, the token client).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientAuthentication(client: ClientCredentials): ClientAuth {
  const secret = client.clientSecret ?? '';
  switch (client.tokenEndpointAuthMethod) {
    case 'client_secret_post':
      return ClientSecretPost(secret);
    case 'client_secret_basic':
      return client.basicAuthEncoding === 'plain'
        ? plainClientSecretBasic(client.clientId, secret)
        : ClientSecretBasic(secret);
    case 'client_secret_jwt':
      return ClientSecretJwt(secret);
    case 'private_key_jwt':
      if (client.clientKeys === undefined) throw new TypeError('private_key_jwt needs clientKeys');
      return privateKeyJwt(client.clientKeys);
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      // RFC 8705 §2: the certificate on the connection authenticates; the body names the client.
      return TlsClientAuth();
    case 'none':
      return None();
  }
}

/**
 * A provider that refuses the application's own credentials is a configuration problem: say so
 * once in the log, naming the client and how it authenticated, then let the error go on.
 */
export function reportClientRejection(
  logger: { error(message: string, error?: unknown): void },
  provider: ClientCredentials & { readonly name: string },
): (error: unknown) => never {
  return (error) => {
    if (error instanceof OAuthError && error.code === 'OAUTH_CLIENT_REJECTED') {
      const credential = provider.tokenEndpointAuthMethod.endsWith('tls_client_auth')
        ? 'clientCertificate (its subject or registered certificate)'
        : 'clientSecret';
      logger.error(
        `provider "${provider.name}" refused the client "${provider.clientId}" (tokenEndpointAuthMethod "${provider.tokenEndpointAuthMethod}"${provider.basicAuthEncoding === 'plain' ? ', basicAuthEncoding "plain"' : ''}): check clientId, ${credential} and tokenEndpointAuthMethod against the provider's registration`,
        error,
      );
    }
    throw error;
  };
}
