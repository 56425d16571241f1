// The shared harness of the API-protection suite: the package's scripted provider signs RFC 9068
// access tokens with its published keys (or forges them), an app protects routes with
// requireBearer(), and DPoP proofs are made here with jose, so each hostile case can be built.
import { createHash, randomUUID } from 'node:crypto';
import express from 'express';
import { expect } from 'vitest';
import type request from 'supertest';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { requireAuthOrBearer, requireBearer } from '../../src/index.js';
import type { RequireBearerOptions } from '../../src/index.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { startScriptedProvider } from '../helpers/scripted-provider.js';
import type { JsonObject, ScriptedProvider, SignOptions } from '../helpers/scripted-provider.js';

export const AUDIENCE = 'https://api.example.test';

export interface BearerSetup {
  provider: ScriptedProvider;
  app: TestApp;
  close(): Promise<void>;
}

/**
 * A scripted provider and an app with `GET|POST /api/data` (POST with a form parser) behind `requireBearer(options)` and
 * `GET /api/either` behind `requireAuthOrBearer(options)`; both answer `req.oauthUser`.
 */
export async function startBearerApp(
  options:
    | Partial<RequireBearerOptions>
    | ((provider: ScriptedProvider) => Partial<RequireBearerOptions>) = {},
  extra: Record<string, unknown> = {},
): Promise<BearerSetup> {
  const provider = await startScriptedProvider();
  const guardOptions = {
    audience: AUDIENCE,
    ...(typeof options === 'function' ? options(provider) : options),
  } as RequireBearerOptions;
  const app = await startTestApp({
    oauth: () => ({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      ...extra,
    }),
    routes: (app) => {
      const bearer = requireBearer(guardOptions);
      app.get('/api/data', bearer, (req, res) => res.json({ user: req.oauthUser }));
      app.post('/api/data', express.urlencoded({ extended: false }), bearer, (req, res) =>
        res.json({ user: req.oauthUser }),
      );
      app.get('/api/either', requireAuthOrBearer(guardOptions), (req, res) =>
        res.json({ user: req.oauthUser }),
      );
    },
  });
  return {
    provider,
    app,
    async close() {
      await app.close();
      await provider.close();
    },
  };
}

/** Honest RFC 9068 claims for the API, from `provider`; `patch` overrides (undefined removes). */
export function accessTokenClaims(
  provider: ScriptedProvider,
  patch: Record<string, unknown> = {},
): JsonObject {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: provider.issuer,
    sub: 'alice',
    aud: AUDIENCE,
    client_id: 'mobile-app',
    scope: 'orders:read profile',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...patch,
  };
  return Object.fromEntries(
    Object.entries(claims).filter(([, value]) => value !== undefined),
  ) as JsonObject;
}

/** A JWT access token signed by the provider's current key with `typ: at+jwt`, unless told otherwise. */
export function signAccessToken(
  provider: ScriptedProvider,
  patch: Record<string, unknown> = {},
  options: SignOptions = {},
): Promise<string> {
  return provider.sign(accessTokenClaims(provider, patch), {
    ...options,
    header: { typ: 'at+jwt', ...options.header },
  });
}

/** A client's DPoP key: its thumbprint (the token's `cnf.jkt`) and a proof maker. */
export interface DpopKey {
  jkt: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  return { jkt: await calculateJwkThumbprint(publicJwk), publicJwk, privateKey };
}

export interface ProofOptions {
  method?: string;
  url: string;
  accessToken: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
  jti?: string;
  nonce?: string;
  typ?: string;
}

/** A DPoP proof (RFC 9449 §4.2) signed by `key`, as a client builds one. */
export function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  return new SignJWT({
    htm: options.method ?? 'GET',
    htu: options.url,
    ath: createHash('sha256').update(options.accessToken).digest('base64url'),
    jti: options.jti ?? randomUUID(),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

/** A clean refusal: status, stable code, a JSON body without a stack, and the challenge. */
export function expectRefused(
  response: request.Response,
  expected: { status: number; code: string; challenge?: RegExp; message?: RegExp },
): void {
  expect(
    { status: response.status, code: (response.body as { code?: unknown }).code },
    `body: ${response.text}`,
  ).toEqual({ status: expected.status, code: expected.code });
  expect(response.text).not.toMatch(/\bat .+:\d+:\d+|stack/i);
  expect(Object.keys(response.body as object).sort()).toEqual(
    expect.arrayContaining(['code', 'message', 'status']),
  );
  if (expected.challenge !== undefined) {
    expect(String(response.headers['www-authenticate'])).toMatch(expected.challenge);
  }
  // The developer's detail is in the body; the challenge's description is fixed per error.
  if (expected.message !== undefined) {
    expect(String((response.body as { message?: unknown }).message)).toMatch(expected.message);
  }
}
