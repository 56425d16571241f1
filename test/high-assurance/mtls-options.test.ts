// clientCertificate and the mTLS client authentication methods are checked when the middleware
// is created: a certificate that does not parse, a key that is not the certificate's, a missing
// certificate, each a TypeError naming the fix.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { checkMetadataTransport } from '../../src/providers/plain-http.js';
import { makeSelfSignedCertificate } from '../helpers/certificates.js';
import { TEST_SECRET } from '../helpers/app.js';

const alice = makeSelfSignedCertificate('alice');
const mallory = makeSelfSignedCertificate('mallory');
const base = {
  baseURL: 'https://app.example',
  secret: TEST_SECRET,
  issuer: 'https://op.example',
  clientId: 'c',
};

describe('clientCertificate is checked at creation', () => {
  it.each([
    [
      'tls_client_auth without a certificate',
      { tokenEndpointAuthMethod: 'tls_client_auth' },
      '"options.clientCertificate" is required with tokenEndpointAuthMethod "tls_client_auth"',
    ],
    [
      'self_signed_tls_client_auth without a certificate',
      { tokenEndpointAuthMethod: 'self_signed_tls_client_auth' },
      '"options.clientCertificate" is required with tokenEndpointAuthMethod "self_signed_tls_client_auth"',
    ],
    [
      'a certificate that does not parse',
      { clientCertificate: { cert: 'not a certificate', key: alice.key } },
      '"options.clientCertificate.cert" must be a PEM certificate',
    ],
    [
      'a key that does not parse',
      { clientCertificate: { cert: alice.cert, key: 'not a key' } },
      '"options.clientCertificate.key" must be an unencrypted private key',
    ],
    [
      "a key that is not the certificate's",
      { clientCertificate: { cert: alice.cert, key: mallory.key } },
      '"options.clientCertificate.key" is not the private key of "options.clientCertificate.cert"',
    ],
    [
      'a public key',
      {
        clientCertificate: {
          cert: alice.cert,
          key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
        },
      },
      '"options.clientCertificate.key" must be an unencrypted private key',
    ],
    [
      'a certificate without its key',
      { clientCertificate: { cert: alice.cert } },
      '"options.clientCertificate" needs both "cert" and "key"',
    ],
    [
      'a CA bundle that does not parse',
      { clientCertificate: { cert: alice.cert, key: alice.key, ca: ['garbage'] } },
      '"options.clientCertificate.ca[0]" must be a PEM certificate',
    ],
    [
      'a misspelt member',
      { clientCertificate: { cert: alice.cert, key: alice.key, cerd: alice.cert } },
      'unknown option "clientCertificate.cerd"; did you mean "clientCertificate.cert"?',
    ],
  ])('refuses %s', (_name, extra, message) => {
    expect(() => oauthMiddleware({ ...base, ...extra } as never)).toThrow(TypeError);
    expect(() => oauthMiddleware({ ...base, ...extra } as never)).toThrow(message);
  });

  it('accepts PEM text, Buffers and a KeyObject', async () => {
    const { createPrivateKey } = await import('node:crypto');
    for (const clientCertificate of [
      { cert: alice.cert, key: alice.key, ca: alice.cert },
      { cert: Buffer.from(alice.cert), key: Buffer.from(alice.key), ca: [Buffer.from(alice.cert)] },
      { cert: alice.cert, key: createPrivateKey(alice.key) },
    ]) {
      expect(() => oauthMiddleware({ ...base, clientCertificate })).not.toThrow();
    }
  });

  it('defaults to tls_client_auth with a certificate and no other credential', () => {
    // tls_client_auth needs no secret; a client secret default would have thrown without one.
    expect(() =>
      oauthMiddleware({ ...base, clientCertificate: { cert: alice.cert, key: alice.key } }),
    ).not.toThrow();
  });
});

describe('the mTLS endpoint aliases obey the https rule of the metadata (RFC 8705 §5)', () => {
  const metadata = (alias: string) => ({
    issuer: 'https://op.example',
    token_endpoint: 'https://op.example/token',
    mtls_endpoint_aliases: { token_endpoint: alias },
  });

  it.each([
    ['an https alias', 'https://mtls.op.example/token', true],
    ['an http alias on loopback', 'http://127.0.0.1:4000/token', true],
    ['an http alias off loopback', 'http://mtls.op.example/token', false],
    ['an alias that is not a URL', 'not a url', false],
  ])('%s', (_name, alias, accepted) => {
    const check = () => checkMetadataTransport(metadata(alias), false);
    if (accepted) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'OAUTH_INVALID_RESPONSE' }));
  });
});
