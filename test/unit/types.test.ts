import type { Request } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { oauthMiddleware, requireAuth } from '../../src/index.js';
import type {
  OAuthContext,
  OAuthErrorCode,
  OAuthOptions,
  OAuthUser,
  OAuthError,
} from '../../src/index.js';

// These assertions are checked by the type-check step (tsc) and are what users' editors see.
describe('public types', () => {
  it('types req.oauthUser, req.oauth and the session by declaration merging', () => {
    expectTypeOf<Request['oauthUser']>().toEqualTypeOf<OAuthUser | undefined>();
    expectTypeOf<Request['oauth']>().toEqualTypeOf<OAuthContext>();
    expectTypeOf<OAuthContext['getAccessToken']>().returns.resolves.toEqualTypeOf<string>();
    expectTypeOf<Request['session']['oauth']>().not.toBeAny();
    expectTypeOf<OAuthUser['sub']>().toEqualTypeOf<string>();
    expectTypeOf<OAuthUser['claims']>().toEqualTypeOf<Readonly<Record<string, unknown>>>();
  });

  it('keeps the documented option names and rejects unknown ones', () => {
    expectTypeOf<OAuthOptions>().toHaveProperty('issuer');
    expectTypeOf<OAuthOptions>().toHaveProperty('clientId');
    expectTypeOf<OAuthOptions>().toHaveProperty('clientSecret');
    expectTypeOf<OAuthOptions>().toHaveProperty('baseURL');
    expectTypeOf<OAuthOptions>().toHaveProperty('scope');
    // @ts-expect-error a typo is a type error before it is a start-up error
    expectTypeOf(oauthMiddleware).toBeCallableWith({ issuer: 'x', clientID: 'x', baseURL: 'x' });
  });

  it('exposes a stable code union on OAuthError', () => {
    expectTypeOf<OAuthError['code']>().toEqualTypeOf<OAuthErrorCode>();
    expectTypeOf<'OAUTH_STATE_MISMATCH'>().toExtend<OAuthErrorCode>();
    expectTypeOf<OAuthError['status']>().toEqualTypeOf<number>();
  });

  it('types requireAuth options', () => {
    expectTypeOf(requireAuth).toBeCallableWith({
      scopes: ['a'],
      claims: { role: 'admin' },
      check: (user) => user.sub === 'x',
    });
    // @ts-expect-error claims take primitives to compare with
    expectTypeOf(requireAuth).toBeCallableWith({ claims: { role: { nested: true } } });
  });
});
