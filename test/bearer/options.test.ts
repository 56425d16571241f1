// requireBearer() options are validated when the guard is created, in the middleware's dialect.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireBearer } from '../../src/index.js';
import { signAccessToken, startBearerApp } from './harness.js';
import type { RequireBearerOptions } from '../../src/index.js';
import { TEST_SECRET } from '../helpers/app.js';

const create = (options: unknown) => () => requireBearer(options as RequireBearerOptions);

describe('requireBearer() options', () => {
  it('requires an audience', () => {
    expect(create({})).toThrow(
      expect.objectContaining({
        code: 'ERR_MISSING_OPTION',
        message: expect.stringMatching(/"requireBearer\(\) options.audience" is required/),
      }),
    );
    expect(create({ audience: [] })).toThrow(/"requireBearer\(\) options.audience" must be/);
  });

  it('rejects an unknown option with a typo hint', () => {
    expect(create({ audience: 'a', scope: 'x' })).toThrow(
      'unknown requireBearer() option "scope"; did you mean "scopes"?',
    );
    expect(create({ audience: 'a', dpop: { requried: true } })).toThrow(
      'unknown requireBearer() option "dpop.requried"; did you mean "dpop.required"?',
    );
    expect(create({ audience: 'a', introspection: { cacheMaxAgee: 1 } })).toThrow(
      /did you mean "introspection.cacheMaxAge"/,
    );
  });

  it('rejects provider and issuer together, and a relative issuer', () => {
    expect(create({ audience: 'a', provider: 'x', issuer: 'https://op.example' })).toThrow(
      /cannot both be set/,
    );
    expect(create({ audience: 'a', issuer: '/relative' })).toThrow(
      /"requireBearer\(\) options.issuer" must be an absolute http\(s\) URL/,
    );
  });

  it('rejects a short nonce secret, a replay store without claim(), and odd numbers', () => {
    expect(create({ audience: 'a', dpop: { nonce: { secret: 'short' } } })).toThrow(
      /32 characters/,
    );
    expect(create({ audience: 'a', dpop: { replayStore: {} } })).toThrow(/claim\(key, ttlMs\)/);
    expect(create({ audience: 'a', clockTolerance: -1 })).toThrow(/>= 0/);
    expect(create({ audience: 'a', introspection: { cacheMaxEntries: 1.5 } })).toThrow(/integer/);
    expect(create({ audience: 'a', scopes: 3 })).toThrow(/a string or an array of strings/);
    const err = (() => {
      try {
        create({ audience: 'a', scopes: 3 })();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('answers 500 without a stack when oauthMiddleware() is not mounted before it', async () => {
    const app = express();
    app.get('/api', requireBearer({ audience: 'a' }), (_req, res) => res.json({}));
    const response = await request(app).get('/api').set('Accept', 'application/json');
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: 'OAUTH_INTERNAL_ERROR' });
    expect(response.text).toMatch(/oauthMiddleware\(\) mounted before it/);
  });

  it('finds the provider by its issuer, and refuses (logged, 500) an issuer none has', async () => {
    const known = await startBearerApp({ issuer: 'http://placeholder.invalid' });
    try {
      const token = await signAccessToken(known.provider);
      const response = await request(known.app.url)
        .get('/api/data')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept', 'application/json');
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({ code: 'OAUTH_INTERNAL_ERROR' });
      expect(known.app.logs.join('\n')).toMatch(/names the issuer http:\/\/placeholder.invalid/);
    } finally {
      await known.close();
    }
  });
});

describe('requireBearer() issuer', () => {
  it('accepts tokens of the configured provider named by its issuer', async () => {
    const s = await startBearerApp((provider) => ({ issuer: provider.issuer }));
    try {
      const token = await signAccessToken(s.provider);
      await request(s.app.url).get('/api/data').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await s.close();
    }
  });
});

describe('requireBearer({ middleware })', () => {
  it('guards an API route that goes through neither the middleware nor express-session', async () => {
    const { default: express } = await import('express');
    const { default: request } = await import('supertest');
    const { oauthMiddleware, requireBearer } = await import('../../src/index.js');
    const { startScriptedProvider } = await import('../helpers/scripted-provider.js');
    const { AUDIENCE, signAccessToken } = await import('./harness.js');
    const provider = await startScriptedProvider();
    try {
      const oauth = oauthMiddleware({
        secret: TEST_SECRET,
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        baseURL: 'http://127.0.0.1',
        logger: false,
      });
      const app = express();
      app.get('/api', requireBearer({ middleware: oauth, audience: AUDIENCE }), (req, res) => {
        res.json({ sub: req.oauthUser?.sub });
      });
      const token = await signAccessToken(provider);
      const ok = await request(app).get('/api').set('Authorization', `Bearer ${token}`).expect(200);
      expect(ok.body.sub).toBe('alice');
      await request(app).get('/api').expect(401);
      expect(() => requireBearer({ middleware: (() => {}) as never, audience: AUDIENCE })).toThrow(
        '"requireBearer() options.middleware" must be the function oauthMiddleware() returned',
      );
    } finally {
      await provider.close();
    }
  });
});
