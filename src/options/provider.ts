import type { Request } from 'express';
import type { OAuthAdapter } from '../providers/adapter.js';
import { readAuthorizationParams } from './authorization-params.js';
import { readClientAuthentication } from './client-authentication.js';
import type { TokenEndpointAuthMethod } from './client-authentication.js';
import type { ResolvedClientCertificate } from './client-certificate.js';
import type { ClientKeySet } from './client-keys.js';
import { applyFapi2Profile } from './fapi2-profile.js';
import { readAllow } from './policy.js';
import type { ResolvedAllow } from './policy.js';
import type { OAuthMapUser } from './profile-types.js';
import { CUSTOM_KEYS, OAUTH2_KEYS, OIDC_KEYS } from './provider-keys.js';
import type { OAuthAuthorizationParams, OAuthOAuth2Provider } from './provider-types.js';
import { readQuirks } from './quirks.js';
import type { ResolvedQuirks } from './quirks.js';
import type { OAuthFetch } from './types.js';
import {
  invalid,
  isRecord,
  missing,
  readBoolean,
  readEndpoint,
  readFunction,
  readString,
  rejectUnknownKeys,
} from './readers.js';

interface ResolvedCommon {
  readonly name: string;
  readonly label: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly authorizationParams: (req: Request) => OAuthAuthorizationParams;
  readonly mapUser: OAuthMapUser | undefined;
  readonly allowInsecureHttp: boolean;
  /** This provider's own `allow` rules (the top-level ones apply too). */
  readonly allow: ResolvedAllow | undefined;
  /** This provider's own `fetch`; the middleware's applies without it. */
  readonly fetch?: OAuthFetch | undefined;
}

/** The client's credentials as the token endpoint sees them. */
export interface ResolvedClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly basicAuthEncoding: 'form-urlencoded' | 'plain';
  /** For `private_key_jwt` and signed request objects. */
  readonly clientKeys: ClientKeySet | undefined;
  /** For mTLS: client authentication and certificate-bound tokens (RFC 8705). */
  readonly clientCertificate?: ResolvedClientCertificate | undefined;
}

interface ResolvedClient extends ResolvedCommon, ResolvedClientCredentials {
  readonly quirks: ResolvedQuirks;
}

export interface ResolvedOidcProvider extends ResolvedClient {
  readonly kind: 'oidc';
  readonly issuer: URL;
  readonly fetchUserInfo: boolean;
  readonly verifyIdTokenSignature: boolean;
  /** `undefined`: as the provider's metadata requires. */
  readonly pushedAuthorizationRequests: boolean | undefined;
  readonly requestObjects: boolean;
  /** Sender-constrained tokens (RFC 9449). */
  readonly dpop: boolean;
  /** `profile: 'fapi2'`: every authorization response must carry RFC 9207 `iss`. */
  readonly requireIssuerParameter: boolean;
  /** `profile: 'fapi2'`: the algorithms ID and logout tokens may be signed with. */
  readonly signingAlgorithms: readonly string[] | undefined;
  /** `undefined`: as the provider's metadata offers. */
  readonly responseMode: 'query' | 'form_post' | undefined;
}

export interface ResolvedOAuth2Provider extends ResolvedClient {
  readonly kind: 'oauth2';
  readonly issuer: URL;
  readonly authorizationEndpoint: URL;
  readonly tokenEndpoint: URL;
  readonly profileEndpoint: URL | undefined;
  readonly fetchProfile: OAuthOAuth2Provider['fetchProfile'];
  readonly pkce: boolean;
  readonly revocationEndpoint: URL | undefined;
}

export interface ResolvedCustomProvider extends ResolvedCommon {
  readonly kind: 'custom';
  readonly adapter: OAuthAdapter;
}

/** One provider's options after validation and defaults; internal. */
export type ResolvedProvider =
  ResolvedOidcProvider | ResolvedOAuth2Provider | ResolvedCustomProvider;

function readCommon(
  name: string,
  prefix: string,
  input: Record<string, unknown>,
  redirectUri: string,
  defaultScope: string,
): ResolvedCommon {
  return {
    name,
    label: readString(`${prefix}label`, input.label, name),
    redirectUri,
    scope: readString(`${prefix}scope`, input.scope, defaultScope),
    authorizationParams: readAuthorizationParams(prefix, input.authorizationParams),
    mapUser: readFunction<OAuthMapUser>(
      `${prefix}mapUser`,
      input.mapUser,
      'a function (profile) => user',
    ),
    allowInsecureHttp: readBoolean(`${prefix}allowInsecureHttp`, input.allowInsecureHttp, false),
    allow: readAllow(`${prefix}allow`, input.allow),
    fetch: readFunction<OAuthFetch>(`${prefix}fetch`, input.fetch, 'a fetch function (url, init)'),
  };
}

function readClient(
  prefix: string,
  input: Record<string, unknown>,
  common: ResolvedCommon,
): ResolvedClient {
  const authentication = readClientAuthentication(prefix, input);
  const quirks = readQuirks(prefix, input.quirks);
  return {
    ...common,
    clientId: readString(`${prefix}clientId`, input.clientId),
    clientSecret: authentication.clientSecret,
    tokenEndpointAuthMethod: authentication.tokenEndpointAuthMethod,
    basicAuthEncoding: quirks.basicAuthEncoding,
    clientKeys: authentication.clientKeys,
    clientCertificate: authentication.clientCertificate,
    quirks,
  };
}

function resolveCustom(
  common: ResolvedCommon,
  prefix: string,
  input: Record<string, unknown>,
): ResolvedCustomProvider {
  const adapter = input.adapter;
  if (
    !isRecord(adapter) ||
    typeof adapter.authorizationUrl !== 'function' ||
    typeof adapter.handleCallback !== 'function' ||
    typeof adapter.fetchProfile !== 'function'
  ) {
    throw invalid(
      `${prefix}adapter`,
      'an object with authorizationUrl(), handleCallback() and fetchProfile()',
    );
  }
  return { ...common, kind: 'custom', adapter: adapter as unknown as OAuthAdapter };
}

function resolveOAuth2(
  common: ResolvedCommon,
  prefix: string,
  input: Record<string, unknown>,
): ResolvedOAuth2Provider {
  const insecure = common.allowInsecureHttp;
  const tokenEndpoint = readEndpoint(`${prefix}tokenEndpoint`, input.tokenEndpoint, insecure);
  const fetchProfile = readFunction<OAuthOAuth2Provider['fetchProfile']>(
    `${prefix}fetchProfile`,
    input.fetchProfile,
    'a function (context) => Promise<profile>',
  );
  const profileEndpoint =
    input.profileEndpoint === undefined
      ? undefined
      : readEndpoint(`${prefix}profileEndpoint`, input.profileEndpoint, insecure);
  if (profileEndpoint === undefined && fetchProfile === undefined) {
    throw missing(
      `${prefix}profileEndpoint`,
      `(or "options.${prefix}fetchProfile"): without an ID token, the user is known only through the profile`,
    );
  }
  return {
    ...readClient(prefix, input, common),
    kind: 'oauth2',
    authorizationEndpoint: readEndpoint(
      `${prefix}authorizationEndpoint`,
      input.authorizationEndpoint,
      insecure,
    ),
    tokenEndpoint,
    profileEndpoint,
    fetchProfile,
    issuer:
      input.issuer === undefined
        ? new URL(tokenEndpoint.origin)
        : readEndpoint(`${prefix}issuer`, input.issuer, insecure),
    pkce: readBoolean(`${prefix}pkce`, input.pkce, true),
    revocationEndpoint:
      input.revocationEndpoint === undefined
        ? undefined
        : readEndpoint(`${prefix}revocationEndpoint`, input.revocationEndpoint, insecure),
  };
}

/** `requestObjects` signs with the client's key, so it needs one. */
function readRequestObjects(prefix: string, input: Record<string, unknown>): boolean {
  const on = readBoolean(`${prefix}requestObjects`, input.requestObjects, false);
  if (on && input.clientPrivateKey === undefined) {
    throw missing(`${prefix}clientPrivateKey`, 'with requestObjects: the key that signs them');
  }
  return on;
}

/**
 * Validates one provider's options. `prefix` names where they sit (`''` in the single-provider
 * form, `providers.alpaca.` otherwise) so every message points at the right line.
 */
export function resolveProviderOptions(
  name: string,
  prefix: string,
  input: unknown,
  redirectUri: string,
): ResolvedProvider {
  if (!isRecord(input)) throw invalid(prefix.slice(0, -1) || 'provider', 'an object');
  const type = input.type ?? 'oidc';
  if (type === 'custom') {
    rejectUnknownKeys(input, CUSTOM_KEYS, prefix);
    return resolveCustom(readCommon(name, prefix, input, redirectUri, ''), prefix, input);
  }
  if (type === 'oauth2') {
    rejectUnknownKeys(input, OAUTH2_KEYS, prefix);
    return resolveOAuth2(readCommon(name, prefix, input, redirectUri, ''), prefix, input);
  }
  if (type !== 'oidc') throw invalid(`${prefix}type`, '"oidc", "oauth2" or "custom"');
  rejectUnknownKeys(input, OIDC_KEYS, prefix);
  const common = readCommon(name, prefix, input, redirectUri, 'openid profile email');
  return applyFapi2Profile(prefix, input, {
    ...readClient(prefix, input, common),
    kind: 'oidc',
    issuer: readEndpoint(`${prefix}issuer`, input.issuer, common.allowInsecureHttp),
    fetchUserInfo: readBoolean(`${prefix}fetchUserInfo`, input.fetchUserInfo, false),
    verifyIdTokenSignature: readBoolean(
      `${prefix}verifyIdTokenSignature`,
      input.verifyIdTokenSignature,
      true,
    ),
    pushedAuthorizationRequests:
      input.pushedAuthorizationRequests === undefined
        ? undefined
        : readBoolean(
            `${prefix}pushedAuthorizationRequests`,
            input.pushedAuthorizationRequests,
            false,
          ),
    requestObjects: readRequestObjects(prefix, input),
    dpop: readBoolean(`${prefix}dpop`, input.dpop, false),
    requireIssuerParameter: false,
    signingAlgorithms: undefined,
    responseMode: readResponseMode(prefix, input.responseMode),
  });
}

function readResponseMode(prefix: string, value: unknown): 'query' | 'form_post' | undefined {
  if (value === undefined || value === 'query' || value === 'form_post') return value;
  throw invalid(`${prefix}responseMode`, '"query" or "form_post"');
}
