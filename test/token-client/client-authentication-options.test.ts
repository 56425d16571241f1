// How the token client authenticates, checked when it is created: the method each credential
// selects, and a missing, unused or malformed credential refused with the option that fixes it.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/token-client/index.js';
import type { OAuthTokenClientOptions } from '../../src/token-client/index.js';
import { makeSelfSignedCertificate } from '../helpers/certificates.js';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const { cert, key: certificateKey } = makeSelfSignedCertificate('reporting');
const certificate = { cert, key: certificateKey };

const clientCredentials = {
  grant: 'client_credentials',
  tokenEndpoint: 'https://auth.example.com/oauth/token',
  clientId: 'reporting',
} as const;

const password = {
  grant: 'password',
  tokenEndpoint: 'https://auth.example.com/oauth/token',
  username: 'api@acme.com',
  password: 'my_password',
} as const;

function create(options: Record<string, unknown>): () => unknown {
  return () => createTokenClient(options as unknown as OAuthTokenClientOptions);
}

describe('createTokenClient() client authentication', () => {
  it.each([
    ['a clientSecret', { clientSecret: 's' }],
    ['a clientPrivateKey alone (private_key_jwt)', { clientPrivateKey: key }],
    ['a clientCertificate alone (tls_client_auth)', { clientCertificate: certificate }],
    [
      'private_key_jwt with a certificate for bound tokens',
      { clientPrivateKey: key, clientCertificate: certificate },
    ],
    [
      'client_secret_jwt with an assertion audience',
      {
        tokenEndpointAuthMethod: 'client_secret_jwt',
        clientSecret: 's',
        clientAssertionAudience: 'https://auth.example.com',
      },
    ],
    [
      'self_signed_tls_client_auth',
      { tokenEndpointAuthMethod: 'self_signed_tls_client_auth', clientCertificate: certificate },
    ],
    [
      'a list of keys for rotation',
      {
        clientPrivateKey: [
          { key, alg: 'PS256', kid: 'new' },
          { key, kid: 'old' },
        ],
      },
    ],
  ])('accepts %s', (_name, extra) => {
    expect(create({ ...clientCredentials, ...extra })).not.toThrow();
  });

  it('accepts a private key for the password grant with a client', () => {
    expect(create({ ...password, clientId: 'app', clientPrivateKey: key })).not.toThrow();
  });

  it.each([
    [
      'private_key_jwt without a key',
      { tokenEndpointAuthMethod: 'private_key_jwt' },
      'ERR_MISSING_OPTION',
      '"options.clientPrivateKey" is required with tokenEndpointAuthMethod "private_key_jwt": the key that signs the client assertion',
    ],
    [
      'client_secret_jwt without a secret',
      { tokenEndpointAuthMethod: 'client_secret_jwt' },
      'ERR_MISSING_OPTION',
      '"options.clientSecret" is required with tokenEndpointAuthMethod "client_secret_jwt"',
    ],
    [
      'tls_client_auth without a certificate',
      { tokenEndpointAuthMethod: 'tls_client_auth' },
      'ERR_MISSING_OPTION',
      '"options.clientCertificate" is required with tokenEndpointAuthMethod "tls_client_auth": { cert, key } of the certificate the provider knows the client by',
    ],
    [
      'self_signed_tls_client_auth with a key instead of a certificate',
      { tokenEndpointAuthMethod: 'self_signed_tls_client_auth', clientPrivateKey: key },
      'ERR_MISSING_OPTION',
      '"options.clientCertificate" is required with tokenEndpointAuthMethod "self_signed_tls_client_auth"',
    ],
    [
      'a misspelt method',
      { tokenEndpointAuthMethod: 'private_key_jwk', clientPrivateKey: key },
      'ERR_INVALID_ARG_VALUE',
      '; did you mean "private_key_jwt"?',
    ],
    [
      'a public client, which RFC 6749 §4.4 does not have',
      { tokenEndpointAuthMethod: 'none' },
      'ERR_INVALID_ARG_VALUE',
      '"options.tokenEndpointAuthMethod" must be one of "client_secret_basic"',
    ],
    [
      'a misspelt option',
      { clientPrivatKey: key },
      'ERR_INVALID_ARG_VALUE',
      'unknown option "clientPrivatKey"; did you mean "clientPrivateKey"?',
    ],
    [
      'a misspelt certificate member',
      { clientCertificate: { cert, key: certificateKey, cerificateAuthority: cert } },
      'ERR_INVALID_ARG_VALUE',
      'unknown option "clientCertificate.cerificateAuthority"',
    ],
    [
      'something that is not a private key',
      { clientPrivateKey: 'not a key' },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientPrivateKey" must be a private key',
    ],
    [
      'an RSA key too short to sign',
      { clientPrivateKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey },
      'ERR_INVALID_ARG_VALUE',
      'an RSA key of 2048 bits or more',
    ],
    [
      'an algorithm the package does not sign with',
      { clientPrivateKey: { key, alg: 'HS256' } },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientPrivateKey.alg" must be "RS256", "PS256" or "ES256"',
    ],
    [
      'a certificate without its key',
      { clientCertificate: { cert } },
      'ERR_MISSING_OPTION',
      '"options.clientCertificate" needs both "cert" and "key"',
    ],
    [
      'a certificate with a key that is not its own',
      { clientCertificate: { cert, key } },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientCertificate.key" is not the private key of "options.clientCertificate.cert"',
    ],
    [
      'a private key the chosen method never uses',
      { clientSecret: 's', clientPrivateKey: key },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientPrivateKey" is not used with tokenEndpointAuthMethod "client_secret_basic"',
    ],
    [
      'a secret the chosen method never uses',
      {
        tokenEndpointAuthMethod: 'tls_client_auth',
        clientSecret: 's',
        clientCertificate: certificate,
      },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientSecret" is not used with tokenEndpointAuthMethod "tls_client_auth"',
    ],
    [
      'an assertion audience without an assertion',
      { clientSecret: 's', clientAssertionAudience: 'https://auth.example.com' },
      'ERR_INVALID_ARG_VALUE',
      '"options.clientAssertionAudience" is only used by "private_key_jwt" and "client_secret_jwt"',
    ],
  ])('refuses %s', (_name, extra, code, message) => {
    expect(create({ ...clientCredentials, ...extra })).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringContaining(message),
      }),
    );
  });

  it.each([
    ['clientPrivateKey', { clientPrivateKey: key }],
    ['clientCertificate', { clientCertificate: certificate }],
  ])('refuses a %s for the password grant without a client', (name, extra) => {
    expect(create({ ...password, ...extra })).toThrow(
      expect.objectContaining({
        code: 'ERR_MISSING_OPTION',
        message: `"options.${name}" needs "options.clientId"; set both, or neither when the token endpoint knows no client`,
      }),
    );
  });
});
