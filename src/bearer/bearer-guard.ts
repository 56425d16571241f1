/**
 * The checks of an access token presented to an API route, shared by `requireBearer()` and
 * `requireAuthOrBearer()`: its signature or introspection, its DPoP or certificate binding, the
 * route's scopes and claims, and the user it names; a refusal answered with its challenges.
 */
import type { NextFunction, Request, Response } from 'express';
import { OAuthError } from '../errors.js';
import { isRecord } from '../options/readers.js';
import { routeUrl } from '../options/routes.js';
import { missingScope, unmetClaim } from '../policy/route-rules.js';
import { handleError } from '../routes/handle-error.js';
import type { OAuthRuntime } from '../runtime.js';
import { userFromProfile } from '../session/user.js';
import type { OAuthUser } from '../session/user.js';
import { setChallenges } from './challenge.js';
import type { ChallengeContext } from './challenge.js';
import type { OAuthPresentedToken } from './credentials.js';
import { createDpopNonces } from './dpop-nonce.js';
import { verifyDpopProof } from './dpop-proof.js';
import { createIntrospector } from './introspection.js';
import { refuseToken } from './jwt-access-token.js';
import { checkCertificateBinding } from './mtls.js';
import type { ResolvedBearerOptions } from './options.js';
import { createServerFinder } from './resource-server.js';

/** Codes whose answers carry `WWW-Authenticate` challenges. */
const CHALLENGED = new Set<string>([
  'OAUTH_LOGIN_REQUIRED',
  'OAUTH_INVALID_TOKEN',
  'OAUTH_INSUFFICIENT_SCOPE',
  'OAUTH_INVALID_REQUEST',
  'OAUTH_INVALID_DPOP_PROOF',
  'OAUTH_USE_DPOP_NONCE',
]);

/** Checks the presented token and answers: `next()` with `req.oauthUser` set, or the refusal. */
export type BearerGuard = (
  runtime: OAuthRuntime,
  req: Request,
  res: Response,
  next: NextFunction,
  presented: OAuthPresentedToken | undefined,
) => void;

/** The request's URL as the client addressed it: from `baseURL`, never the Host header. */
function publicUrl(runtime: OAuthRuntime, req: Request): string {
  const index = req.originalUrl.indexOf('?');
  const url = new URL(
    routeUrl(
      runtime.options.baseURL,
      index === -1 ? req.originalUrl : req.originalUrl.slice(0, index),
    ),
  );
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * The user a token names, shaped as a session's `req.oauthUser` is: `sub` (the client's own id
 * for a token without a user, as RFC 9068 §2.2 says of client credentials tokens), the standard
 * profile claims when the token carries them, and every claim in `claims`.
 */
function userFromToken(provider: string, claims: Record<string, unknown>): OAuthUser {
  const sub = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : claims.client_id;
  if (typeof sub !== 'string' || sub === '')
    throw refuseToken('it names neither "sub" nor "client_id"');
  // A user token names itself: only a client's own token needs `sub` filled in.
  return userFromProfile(provider, claims.sub === sub ? claims : { ...claims, sub });
}

function checkRules(settings: ResolvedBearerOptions, claims: Record<string, unknown>): void {
  const scope = missingScope(
    typeof claims.scope === 'string' ? claims.scope : undefined,
    settings.scopes,
  );
  if (scope !== undefined) {
    throw new OAuthError(`the access token lacks the scope "${scope}"`, {
      code: 'OAUTH_INSUFFICIENT_SCOPE',
    });
  }
  const claim = unmetClaim(claims, settings.claims);
  if (claim !== undefined) {
    throw new OAuthError(`the access token lacks the claim "${claim}" required here`, {
      code: 'OAUTH_FORBIDDEN',
    });
  }
}

/** The checks shared by {@link requireBearer} and {@link requireAuthOrBearer}. */
export function createBearerGuard(settings: ResolvedBearerOptions): BearerGuard {
  const introspect =
    settings.introspection === false
      ? undefined
      : createIntrospector(settings.introspection, settings.audience);
  const nonces =
    settings.dpop.nonceSecret === undefined
      ? undefined
      : createDpopNonces(settings.dpop.nonceSecret, settings.dpop.proofMaxAge);

  const serverOf = createServerFinder(settings);

  /** RFC 9449 §7 and RFC 8705 §3: a bound token is only good with its key or certificate. */
  async function checkBinding(
    runtime: OAuthRuntime,
    req: Request,
    presented: OAuthPresentedToken,
    claims: Record<string, unknown>,
    clockTolerance: number,
  ): Promise<void> {
    const cnf = isRecord(claims.cnf) ? claims.cnf : {};
    if (cnf.jkt !== undefined) {
      if (typeof cnf.jkt !== 'string') throw refuseToken('"cnf.jkt" must be a string');
      // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token is refused, proof or not.
      if (presented.scheme !== 'dpop') {
        throw refuseToken('it is bound to a DPoP key; send it with the DPoP scheme and a proof');
      }
      await verifyDpopProof(
        presented.proof,
        {
          method: req.method,
          url: publicUrl(runtime, req),
          accessToken: presented.token,
          jkt: cnf.jkt,
        },
        { ...settings.dpop, clockTolerance, nonces },
      );
    } else if (presented.scheme === 'dpop') {
      throw refuseToken('it was sent with the DPoP scheme but is not bound to a DPoP key');
    } else if (settings.dpop.required) {
      throw refuseToken('this API accepts DPoP-bound tokens only');
    }
    if (cnf['x5t#S256'] !== undefined) checkCertificateBinding(req, cnf['x5t#S256']);
  }

  async function authenticate(
    runtime: OAuthRuntime,
    req: Request,
    presented: OAuthPresentedToken | undefined,
  ): Promise<OAuthUser> {
    if (presented === undefined) {
      throw new OAuthError('an access token is required in the Authorization header', {
        code: 'OAUTH_LOGIN_REQUIRED',
      });
    }
    const found = serverOf(runtime);
    const { name, server, clockTolerance, verifyJwt } =
      found instanceof Promise ? await found : found;
    let claims: Record<string, unknown>;
    if (presented.jws) {
      claims = await verifyJwt(presented.token);
    } else if (introspect !== undefined) {
      claims = await introspect(server, presented.token, clockTolerance);
    } else {
      throw refuseToken('it is not a JWT, and opaque tokens are not accepted here');
    }
    // Only a bound token needs the asynchronous proof check.
    if (claims.cnf !== undefined || presented.scheme === 'dpop' || settings.dpop.required) {
      await checkBinding(runtime, req, presented, claims, clockTolerance);
    }
    checkRules(settings, claims);
    return userFromToken(name, claims);
  }

  return (runtime, req, res, next, presented) => {
    authenticate(runtime, req, presented).then(
      (user) => {
        req.oauthUser = user;
        if (nonces !== undefined && presented?.scheme === 'dpop') {
          res.setHeader('DPoP-Nonce', nonces.current());
        }
        next();
      },
      (error: unknown) => {
        if (error instanceof OAuthError && error.code === 'OAUTH_INTERNAL_ERROR') {
          runtime.options.logger.error(error.message);
        }
        if (error instanceof OAuthError && CHALLENGED.has(error.code)) {
          const context: ChallengeContext = {
            scheme: presented?.scheme,
            dpopRequired: settings.dpop.required,
            scopes: settings.scopes,
          };
          setChallenges(res, error, context, nonces?.current());
        }
        handleError(runtime.options, error, req, res, next);
      },
    );
  };
}
