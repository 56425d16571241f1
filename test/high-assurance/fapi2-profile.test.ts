// profile: 'fapi2' enforces the FAPI 2.0 Security Profile's client rules when the middleware is
// created: every weaker setting throws a TypeError naming the rule and its section, with both
// as data in the error's cause.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import { checkResponseIssuer } from '../../src/providers/authorization-response.js';
import { TEST_SECRET } from '../helpers/app.js';
import { makeSelfSignedCertificate } from '../helpers/certificates.js';

const rsa = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
const ps256 = { key: rsa(), alg: 'PS256' as const };
const certificate = makeSelfSignedCertificate('fapi2-client');
const clientCertificate = { cert: certificate.cert, key: certificate.key };

/** A provider that meets the profile with private_key_jwt and DPoP. */
const conforming = {
  baseURL: 'https://broker.example',
  secret: TEST_SECRET,
  issuer: 'https://bank.example',
  clientId: 'broker',
  profile: 'fapi2',
  clientPrivateKey: ps256,
  dpop: true,
};

function refusal(options: Record<string, unknown>): TypeError & { code?: string } {
  try {
    oauthMiddleware(options as never);
  } catch (error) {
    return error as TypeError & { code?: string };
  }
  throw new Error('the options were accepted');
}

describe("profile: 'fapi2' refuses every weaker setting", () => {
  it.each([
    [
      'client_secret_basic',
      { clientPrivateKey: undefined, clientSecret: 's' },
      'client-authentication',
      '5.3.3.1',
    ],
    [
      'client_secret_post',
      { tokenEndpointAuthMethod: 'client_secret_post', clientSecret: 's' },
      'client-authentication',
      '5.3.3.1',
    ],
    [
      'client_secret_jwt',
      { tokenEndpointAuthMethod: 'client_secret_jwt', clientSecret: 's' },
      'client-authentication',
      '5.3.3.1',
    ],
    [
      'a public client',
      { clientPrivateKey: undefined, tokenEndpointAuthMethod: 'none' },
      'client-authentication',
      '5.3.3.1',
    ],
    [
      'a client secret next to private_key_jwt',
      { clientSecret: 's', tokenEndpointAuthMethod: 'private_key_jwt' },
      'no-client-secret',
      '5.3.3.1',
    ],
    [
      'pushed authorization requests turned off',
      { pushedAuthorizationRequests: false },
      'pushed-authorization-requests',
      '5.3.3.2',
    ],
    [
      'tokens that are not sender-constrained',
      { dpop: false },
      'sender-constrained-tokens',
      '5.3.3.1',
    ],
    [
      'an RS256 client key',
      { clientPrivateKey: { key: rsa(), alg: 'RS256' } },
      'signing-algorithms',
      '5.4.1',
    ],
    [
      'an RS256 key kept for rotation',
      { clientPrivateKey: [ps256, { key: rsa(), alg: 'RS256' }] },
      'signing-algorithms',
      '5.4.1',
    ],
    [
      'unverified ID token signatures',
      { verifyIdTokenSignature: false },
      'signing-algorithms',
      '5.4.1',
    ],
    ['an http issuer on loopback', { issuer: 'http://127.0.0.1:4000' }, 'tls', '5.2.1'],
    ['allowInsecureHttp', { allowInsecureHttp: true }, 'tls', '5.2.1'],
  ])('refuses %s', (_name, weaker, rule, section) => {
    const error = refusal({ ...conforming, ...weaker });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(error.cause).toEqual({ profile: 'fapi2', rule, section });
    expect(error.message).toContain(`FAPI 2.0 Security Profile §${section}`);
    expect(error.message).toContain(
      `https://openid.net/specs/fapi-security-profile-2_0-final.html#section-${section}`,
    );
  });

  it('names the provider the rule applies to in the multi-provider form', () => {
    const { baseURL, secret, ...provider } = conforming;
    const error = refusal({ baseURL, secret, providers: { bank: { ...provider, dpop: false } } });
    expect(error.message).toContain('"providers.bank.dpop: true"');
  });
});

describe("profile: 'fapi2' accepts what meets it", () => {
  it.each([
    ['private_key_jwt with DPoP', {}],
    [
      'an ES256 client key',
      { clientPrivateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
    ],
    [
      'tls_client_auth with certificate-bound tokens',
      { clientPrivateKey: undefined, dpop: undefined, clientCertificate },
    ],
    [
      'self_signed_tls_client_auth',
      {
        clientPrivateKey: undefined,
        dpop: undefined,
        clientCertificate,
        tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      },
    ],
    ['private_key_jwt with certificate-bound tokens', { dpop: undefined, clientCertificate }],
    ['pushed authorization requests asked for explicitly', { pushedAuthorizationRequests: true }],
    [
      'an http loopback issuer in a test suite',
      { issuer: 'http://127.0.0.1:4000', allowLoopbackHttpInTests: true },
    ],
  ])('accepts %s', (_name, settings) => {
    expect(() => oauthMiddleware({ ...conforming, ...settings } as never)).not.toThrow();
  });
});

describe('the profile option itself', () => {
  it('refuses a profile it does not know', () => {
    expect(refusal({ ...conforming, profile: 'fapi1' }).message).toBe(
      '"options.profile" must be "fapi2"',
    );
  });

  it('refuses allowLoopbackHttpInTests without the profile', () => {
    const { profile: _profile, ...plain } = conforming;
    expect(refusal({ ...plain, allowLoopbackHttpInTests: true }).message).toContain(
      'applies only with profile',
    );
  });
});

describe("the RFC 9207 rule under profile: 'fapi2' (§5.3.3.2)", () => {
  const metadata = { issuer: 'https://bank.example' };
  const params = (query: string) => new URLSearchParams(query);

  it.each([
    ['a response without iss, metadata silent, no profile', 'code=c', false, true],
    ['a response without iss, metadata silent, fapi2', 'code=c', true, false],
    ['a response with the right iss, fapi2', 'code=c&iss=https%3A%2F%2Fbank.example', true, true],
    ['a response with another iss, fapi2', 'code=c&iss=https%3A%2F%2Fevil.example', true, false],
  ])('%s', (_name, query, required, accepted) => {
    const check = () => checkResponseIssuer(params(query), metadata, required);
    if (accepted) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'OAUTH_ISSUER_MISMATCH' }));
  });
});
