import { createHash } from 'node:crypto';
import { tokenIntrospection } from 'openid-client';
import type { OAuthResourceServer } from '../providers/client.js';
import { attempt } from '../providers/error-mapping.js';
import { BoundedCache } from './bounded-cache.js';
import { refuseToken } from './jwt-access-token.js';

/** What introspection said of one token: its claims when active, undefined when not. */
type Answer = Readonly<Record<string, unknown>> | undefined;

/** Checks opaque tokens at the provider, one introspection per token per cache window. */
export type OAuthIntrospector = (
  server: OAuthResourceServer,
  token: string,
  clockTolerance: number,
) => Promise<Record<string, unknown>>;

/** Who answers for a server's tokens: its introspection endpoint (else issuer) and our client there. */
const answerers = new WeakMap<OAuthResourceServer, string>();

/**
 * The cache key of a token at a server. The same string sent to a guard that serves several
 * providers (tenants) is a different token at each, and only the provider that issued it can say
 * whether it is active: an answer is kept per endpoint and client. A digest, so that an entry's
 * size does not grow with the length of the token an attacker sends.
 */
function cacheKey(server: OAuthResourceServer, token: string): string {
  let answerer = answerers.get(server);
  if (answerer === undefined) {
    const { metadata, configuration } = server;
    answerer = JSON.stringify([
      metadata.introspection_endpoint ?? metadata.issuer,
      configuration.clientMetadata().client_id,
    ]);
    answerers.set(server, answerer);
  }
  return createHash('sha256').update(answerer).update(token).digest('base64url');
}

function aboutTime(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Checks what the provider said of an active token, as a JWT access token's claims are: the
 * issuer (when named), the audience (required: RFC 7662 leaves it optional, but a token that
 * names no API must not be accepted by this one), and the times with the clock tolerance.
 */
function checkAnswer(
  server: OAuthResourceServer,
  claims: Readonly<Record<string, unknown>>,
  audience: readonly string[],
  clockTolerance: number,
): void {
  const now = Date.now() / 1000;
  if (claims.iss !== undefined && claims.iss !== server.metadata.issuer) {
    throw refuseToken('the introspection response names another issuer');
  }
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((value) => typeof value === 'string' && audience.includes(value))) {
    throw refuseToken('it was not issued for this API ("aud")');
  }
  const exp = aboutTime(claims, 'exp');
  if (exp !== undefined && exp <= now - clockTolerance) throw refuseToken('it has expired');
  const nbf = aboutTime(claims, 'nbf');
  if (nbf !== undefined && nbf > now + clockTolerance) throw refuseToken('it is not valid yet');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') {
    throw refuseToken('"scope" must be a space-separated string');
  }
}

/**
 * RFC 7662 introspection with openid-client (the client's configured authentication), behind a
 * bounded cache: each answer is kept for `cacheMaxAge` seconds at most, and an active token's
 * never past its `exp`; an inactive answer is kept too, so a token sent again and again costs
 * one introspection per window. Concurrent requests with the same token share one introspection.
 * A failed introspection (the provider is down) is not kept. Answers are kept per provider (see
 * `cacheKey`), under a digest of the token rather than the token itself.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
export function createIntrospector(
  settings: { readonly cacheMaxAge: number; readonly cacheMaxEntries: number },
  audience: readonly string[],
): OAuthIntrospector & { readonly cache: BoundedCache<Promise<Answer>> } {
  const cache = new BoundedCache<Promise<Answer>>(settings.cacheMaxEntries);
  const maxAge = settings.cacheMaxAge * 1000;

  async function ask(server: OAuthResourceServer, token: string): Promise<Answer> {
    if (server.metadata.introspection_endpoint === undefined) {
      throw refuseToken('it is not a JWT, and the provider offers no introspection endpoint');
    }
    const response = await attempt('introspection', () =>
      tokenIntrospection(server.configuration, token),
    );
    return response.active === true ? { ...response } : undefined;
  }

  async function introspect(server: OAuthResourceServer, token: string, clockTolerance: number) {
    const now = Date.now();
    const key = maxAge > 0 ? cacheKey(server, token) : '';
    let answer = maxAge > 0 ? cache.get(key, now) : undefined;
    if (answer === undefined) {
      answer = ask(server, token);
      if (maxAge > 0) {
        const pending = answer;
        cache.set(key, pending, now + maxAge);
        pending.then(
          (claims) => {
            const exp = claims === undefined ? undefined : aboutTime(claims, 'exp');
            // An active token is not trusted past its own lifetime, whatever the cap.
            if (exp !== undefined && exp * 1000 < now + maxAge) {
              if (cache.get(key, Date.now()) === pending) cache.set(key, pending, exp * 1000);
            }
          },
          () => {
            if (cache.get(key, Date.now()) === pending) cache.delete(key);
          },
        );
      }
    }
    const claims = await answer;
    if (claims === undefined) throw refuseToken('the provider says it is not active');
    checkAnswer(server, claims, audience, clockTolerance);
    return { ...claims };
  }

  return Object.assign(introspect, { cache });
}
