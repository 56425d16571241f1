/**
 * Which endpoint of the scripted provider answers a request: the handler for its path, the
 * methods it accepts, and the test's script that applies to it.
 */
import {
  authorizeEndpoint,
  introspectionEndpoint,
  revocationEndpoint,
  tokenEndpoint,
} from './grants.js';
import type { ProviderState, Reply } from './reply.js';
import {
  discoveryEndpoint,
  distributedEndpoint,
  endSessionEndpoint,
  jwksEndpoint,
  notFound,
  userinfoEndpoint,
} from './resources.js';
import type { EndpointScript, Json, Patch, RecordedRequest, Script } from './types.js';

/** The content type of JSON answers, and of fixed scripted bodies that are not strings. */
export const JSON_TYPE = 'application/json';

/** Every endpoint's script seen through one shape; the body callback's input type is erased. */
export type LooseScript = Omit<EndpointScript<string | Json>, 'set'> & { set?: Patch };

/** How the endpoint of one request path answers it. */
export interface Route {
  methods: string[];
  script: LooseScript | undefined;
  /** Content type of a fixed scripted body that is a string. */
  contentType: string;
  /** The honest answer; `active` tells whether the endpoint's script applies to this request. */
  handle(active: boolean): Reply | Promise<Reply>;
}

/** The route of a request: the endpoint for its path, its allowed methods and its script. */
export function routeOf(provider: ProviderState, s: Script, r: RecordedRequest): Route {
  const route = (
    methods: string[],
    script: LooseScript | undefined,
    handle: Route['handle'],
    contentType = JSON_TYPE,
  ): Route => ({ methods, script, handle, contentType });
  switch (r.path) {
    case '/.well-known/openid-configuration':
    case '/.well-known/oauth-authorization-server':
      return route(['GET'], s.discovery as LooseScript, () => discoveryEndpoint(provider));
    case '/jwks':
      return route(['GET'], s.jwks as LooseScript, () => jwksEndpoint(provider));
    case '/authorize':
      return route(
        ['GET'],
        s.authorize as LooseScript,
        () => authorizeEndpoint(provider, r),
        'text/plain',
      );
    case '/token': {
      // The two grants are scripted separately so a test can break one and keep the other.
      const t = r.form?.get('grant_type') === 'refresh_token' ? s.refresh : s.token;
      return route(['POST'], t as LooseScript, (on) =>
        tokenEndpoint(provider, r, on ? t?.idToken : undefined),
      );
    }
    case '/userinfo':
      return route(['GET', 'POST'], s.userinfo as LooseScript, (on) =>
        userinfoEndpoint(provider, r, on ? s.userinfo : undefined),
      );
    case '/end-session':
      return route(['GET', 'POST'], s.endSession as LooseScript, endSessionEndpoint, 'text/plain');
    case '/revoke':
      return route(['POST'], s.revocation as LooseScript, () => revocationEndpoint(provider, r));
    case '/introspect':
      return route(['POST'], s.introspection as LooseScript, () =>
        introspectionEndpoint(provider, r),
      );
    case '/distributed':
      return route(
        ['GET'],
        s.distributed as LooseScript,
        () => distributedEndpoint(provider, r),
        'application/jwt',
      );
    default:
      return route([r.method], undefined, () => notFound(r));
  }
}
