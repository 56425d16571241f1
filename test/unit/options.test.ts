import { describe, expect, it } from 'vitest';
import { oauthMiddleware } from '../../src/index.js';
import type { OAuthOptions } from '../../src/index.js';
import { TEST_SECRET } from '../helpers/app.js';

const valid: OAuthOptions = {
  issuer: 'https://op.example.com',
  clientId: 'client',
  clientSecret: 'secret',
  baseURL: 'https://app.example.com',
  secret: TEST_SECRET,
};

function create(options: Record<string, unknown>): () => unknown {
  return () => oauthMiddleware(options as unknown as OAuthOptions);
}

describe('options', () => {
  it('creates a router from valid options', () => {
    expect(typeof oauthMiddleware(valid)).toBe('function');
  });

  it('rejects a non-object with ERR_INVALID_ARG_TYPE', () => {
    expect(() => oauthMiddleware(undefined as unknown as OAuthOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('suggests the right name for a mis-cased option', () => {
    const { clientId, ...rest } = valid;
    expect(create({ ...rest, clientID: clientId })).toThrow(
      'unknown option "clientID"; did you mean "clientId"?',
    );
  });

  it('suggests the nearest name for a misspelled option', () => {
    expect(create({ ...valid, scpoe: 'openid' })).toThrow('did you mean "scope"?');
  });

  it('suggests names inside routes', () => {
    expect(create({ ...valid, routes: { logut: '/bye' } })).toThrow(
      'unknown option "routes.logut"; did you mean "routes.logout"?',
    );
  });

  it('gives no hint for a name nothing resembles', () => {
    expect(create({ ...valid, completelyDifferent: true })).toThrow(
      /^unknown option "completelyDifferent"$/,
    );
  });

  it('rejects a relative baseURL with ERR_INVALID_ARG_VALUE', () => {
    expect(create({ ...valid, baseURL: '/app' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: '"options.baseURL" must be an absolute http(s) URL',
      }),
    );
  });

  it('rejects a baseURL with a query string', () => {
    expect(create({ ...valid, baseURL: 'https://app.example.com/?a=1' })).toThrow('without query');
  });

  it('refuses an http issuer off loopback and names the opt-in', () => {
    expect(create({ ...valid, issuer: 'http://op.example.com' })).toThrow(
      /allowInsecureHttp: true/,
    );
  });

  it.each(['http://localhost:4000', 'http://127.0.0.1:4000', 'http://[::1]:4000'])(
    'accepts the loopback http issuer %s',
    (issuer) => {
      expect(create({ ...valid, issuer })).not.toThrow();
    },
  );

  it('accepts an http issuer off loopback when the user opts in explicitly', () => {
    expect(
      create({ ...valid, issuer: 'http://op.internal', allowInsecureHttp: true }),
    ).not.toThrow();
  });

  it('requires a client secret unless the client is public', () => {
    const { clientSecret: _secret, ...rest } = valid;
    expect(create({ ...rest, tokenEndpointAuthMethod: 'client_secret_post' })).toThrow(
      expect.objectContaining({ code: 'ERR_MISSING_OPTION' }),
    );
    expect(create({ ...rest, tokenEndpointAuthMethod: 'none' })).not.toThrow();
    expect(create(rest)).not.toThrow();
  });

  it('rejects an unknown token endpoint auth method', () => {
    expect(create({ ...valid, tokenEndpointAuthMethod: 'attest_jwt_client_auth' })).toThrow(
      '"options.tokenEndpointAuthMethod" must be',
    );
  });

  it('rejects a post-logout redirect on another origin', () => {
    expect(create({ ...valid, postLogoutRedirect: 'https://evil.example.com/' })).toThrow(
      '"options.postLogoutRedirect" must be a path or a URL on https://app.example.com',
    );
  });

  it.each([
    'state',
    'nonce',
    'redirect_uri',
    'code_challenge',
    'client_id',
    'response_type',
    'scope',
  ])('refuses authorizationParams that override "%s"', (name) => {
    expect(create({ ...valid, authorizationParams: { [name]: 'x' } })).toThrow(`free of "${name}"`);
  });

  it('rejects non-string authorization params', () => {
    expect(create({ ...valid, authorizationParams: { max_age: 5 } })).toThrow(
      '"max_age" is number',
    );
  });

  it.each([
    ['timeout', 0],
    ['timeout', 'fast'],
    ['clockTolerance', -1],
    ['maxTransactions', 0],
    ['transactionMaxAge', Number.NaN],
  ])('rejects %s = %s', (name, value) => {
    expect(create({ ...valid, [name]: value })).toThrow(
      `"options.${name}" must be a finite number`,
    );
  });

  it('rejects a route that is not a path', () => {
    expect(create({ ...valid, routes: { login: 'login' } })).toThrow('"options.routes.login"');
    expect(create({ ...valid, routes: { callback: '//evil' } })).toThrow(
      '"options.routes.callback"',
    );
  });

  it('rejects a non-function onError', () => {
    expect(create({ ...valid, onError: 'render' })).toThrow('"options.onError" must be a function');
  });
});
