import type { NextFunction, Request, Response } from 'express';
import type { JWK } from 'jose';
import type { OAuthRuntime } from '../runtime.js';
import { handleError } from './handle-error.js';

/**
 * GET /jwks.json: the public half of every provider's client keys, for the provider to fetch as
 * the client's `jwks_uri` (private_key_jwt, signed request objects). The keys come from
 * `createPublicKey()` of each private key, so no private parameter can be in the set.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function jwksRoute(runtime: OAuthRuntime) {
  return function oauthJwks(req: Request, res: Response, next: NextFunction): void {
    const sets = runtime.providers
      .all()
      .map((provider) => provider.settings)
      .flatMap((settings) =>
        settings.kind !== 'custom' && settings.clientKeys !== undefined
          ? [settings.clientKeys]
          : [],
      );
    Promise.all(sets.map((set) => set.publicJwks()))
      .then((published) => {
        const keys = new Map<string, JWK>();
        for (const key of published.flatMap((set) => set.keys)) keys.set(String(key.kid), key);
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.type('application/jwk-set+json').send(JSON.stringify({ keys: [...keys.values()] }));
      })
      .catch((error: unknown) => handleError(runtime.options, error, req, res, next));
  };
}
