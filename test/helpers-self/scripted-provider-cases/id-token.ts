// ID token and JWKS cases: the token endpoint answers honestly but the ID token (or the keys to
// check it) misbehave.
import {
  accepted,
  badAlg,
  claimMismatch,
  fail,
  idToken,
  invalid,
  noKey,
  notConform,
  nr,
  on,
  shifted,
  sig,
  timedOut,
} from './shared.js';
import type { OpenidCase } from './shared.js';

export const idTokenCases: OpenidCase[] = [
  idToken('id_token foreign key: ACCEPTED without non-repudiation', { key: 'foreign' }, accepted),
  idToken('id_token foreign key (NR)', { key: 'foreign' }, invalid(sig), nr),
  idToken('id_token alg none', { key: 'none' }, invalid(badAlg)),
  idToken('id_token alg none (NR)', { key: 'none' }, invalid(badAlg), nr),
  idToken('id_token HS256 with the client secret', { key: 'hs256' }, invalid(badAlg)),
  idToken('id_token HS256 with the client secret (NR)', { key: 'hs256' }, invalid(badAlg), nr),
  idToken(
    'id_token crit header with an unknown extension',
    { header: { crit: ['urn:example:x'], 'urn:example:x': true } },
    fail('ClientError', 'UNSUPPORTED_OPERATION', 'no JWT "crit" header parameter extensions'),
  ),
  idToken('id_token unknown kid: ACCEPTED without NR', { header: { kid: 'nope' } }, accepted),
  idToken(
    'id_token unknown kid (NR)',
    { header: { kid: 'nope' } },
    fail('ClientError', 'KEY_SELECTION_FAILED', noKey),
    nr,
  ),
  idToken(
    'id_token without kid, 2 keys: ACCEPTED without NR',
    { header: { kid: undefined } },
    accepted,
  ),
  idToken(
    'id_token without kid, 2 keys (NR)',
    { header: { kid: undefined } },
    fail('ClientError', 'KEY_SELECTION_FAILED', 'multiple applicable keys found'),
    nr,
  ),
  idToken('id_token signed by the second published key (NR)', { key: 1 }, accepted, nr),
  {
    ...on(
      'code',
      'JWKS 500 (NR)',
      (p) => (p.script.jwks = { status: 500, body: '' }),
      notConform(500),
    ),
    options: nr,
  },
  {
    ...on(
      'code',
      'JWKS without keys (NR)',
      (p) => (p.script.jwks = { body: { keys: [] } }),
      fail('ClientError', 'KEY_SELECTION_FAILED', noKey),
    ),
    options: nr,
  },
  {
    ...on(
      'code',
      'JWKS hangs, timeout 1 s (NR)',
      (p) => (p.script.jwks = { hang: true }),
      timedOut,
    ),
    options: { ...nr, timeout: 1 },
  },
  idToken(
    'iss other',
    { claims: { iss: 'http://evil.example' } },
    claimMismatch('unexpected JWT "iss"'),
  ),
  idToken(
    'iss missing',
    { claims: { iss: undefined } },
    invalid('JWT "iss" (issuer) claim missing'),
  ),
  idToken('aud other', { claims: { aud: 'other' } }, claimMismatch('unexpected JWT "aud"')),
  idToken(
    'aud missing',
    { claims: { aud: undefined } },
    invalid('JWT "aud" (audience) claim missing'),
  ),
  idToken(
    'aud with an extra audience, no azp',
    { claims: { aud: ['scripted-client', 'other'] } },
    claimMismatch('includes additional untrusted audiences'),
  ),
  idToken(
    'aud with an extra audience, azp = client',
    { claims: { aud: ['scripted-client', 'other'], azp: 'scripted-client' } },
    accepted,
  ),
  idToken(
    'aud with an extra audience, azp other',
    { claims: { aud: ['scripted-client', 'other'], azp: 'other' } },
    claimMismatch('unexpected ID Token "azp"'),
  ),
  idToken('single aud, azp other: ACCEPTED', { claims: { azp: 'other' } }, accepted),
  idToken(
    'exp 120 s in the past',
    { claims: shifted((iat) => ({ exp: iat - 120 })) },
    fail('ClientError', 'JWT_TIMESTAMP_CHECK_FAILED', 'expiration is past current timestamp'),
  ),
  idToken(
    'exp 10 s in the past: ACCEPTED (30 s tolerance)',
    { claims: shifted((iat) => ({ exp: iat - 10 })) },
    accepted,
  ),
  idToken(
    'exp missing',
    { claims: { exp: undefined } },
    invalid('JWT "exp" (expiration time) claim missing'),
  ),
  idToken(
    'exp a string',
    { claims: { exp: 'soon' } },
    invalid('unexpected JWT "exp" (expiration time) claim type'),
  ),
  idToken(
    'iat 1 h in the future: ACCEPTED',
    { claims: shifted((iat) => ({ iat: iat + 3600 })) },
    accepted,
  ),
  idToken(
    'iat 2 days old: ACCEPTED',
    { claims: shifted((iat) => ({ iat: iat - 172800 })) },
    accepted,
  ),
  idToken(
    'iat missing',
    { claims: { iat: undefined } },
    invalid('JWT "iat" (issued at) claim missing'),
  ),
  idToken(
    'nbf 1 h in the future',
    { claims: shifted((iat) => ({ nbf: iat + 3600 })) },
    fail('ClientError', 'JWT_TIMESTAMP_CHECK_FAILED', 'unexpected JWT "nbf"'),
  ),
  idToken(
    'nonce other',
    { claims: { nonce: 'other' } },
    claimMismatch('unexpected ID Token "nonce"'),
  ),
  idToken(
    'nonce missing',
    { claims: { nonce: undefined } },
    invalid('JWT "nonce" (nonce) claim missing'),
  ),
  idToken(
    'sub missing',
    { claims: { sub: undefined } },
    invalid('JWT "sub" (subject) claim missing'),
  ),
  idToken(
    'sub a number',
    { claims: { sub: 42 } },
    invalid('unexpected JWT "sub" (subject) claim type'),
  ),
  idToken(
    'auth_time a string',
    { claims: { auth_time: 'x' } },
    invalid('"auth_time" (authentication time) must be a number'),
  ),
];
