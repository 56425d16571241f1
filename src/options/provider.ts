import type { Request } from 'express';
import type { OAuthAdapter } from '../providers/adapter.js';
import { readAuthorizationParams } from './authorization-params.js';
import { readClientCertificate } from './client-certificate.js';
import type { ResolvedClientCertificate } from './client-certificate.js';
import { readClientKeys } from './client-keys.js';
import type { ClientKeySet } from './client-keys.js';
import { applyFapi2Profile } from './fapi2-profile.js';
import { readAllow } from './policy.js';
import type { ResolvedAllow } from './policy.js';
import type {
  OAuthAuthorizationParams,
  OAuthCustomProvider,
  OAuthMapUser,
  OAuthOAuth2Provider,
  OAuthOidcProvider,
  OAuthQuirks,
} from './provider-types.js';
import type { OAuthFetch } from './types.js';
import {
  invalid,
  isRecord,
  missing,
  readBoolean,
  readEndpoint,
  readFunction,
  readOptionalString,
  readString,
  readStringRecord,
  rejectUnknownKeys,
} from './readers.js';

/** How a confidential or public client authenticates at the token endpoint: the option's values. */
export type TokenEndpointAuthMethod = NonNullable<OAuthOidcProvider['tokenEndpointAuthMethod']>;

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

export type ResolvedQuirks = Required<OAuthQuirks>;

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

// The key lists are tied to the public types: a key added to a type and forgotten here (or the
// reverse) fails the type-check, so typo hints and validation cannot drift from the docs.
const CLIENT_KEYS = [
  'label',
  'clientId',
  'clientSecret',
  'scope',
  'tokenEndpointAuthMethod',
  'authorizationParams',
  'quirks',
  'mapUser',
  'allowInsecureHttp',
  'allow',
  'clientPrivateKey',
  'clientCertificate',
  'fetch',
] as const;
const OIDC_KEYS = [
  'type',
  'issuer',
  'fetchUserInfo',
  'verifyIdTokenSignature',
  'pushedAuthorizationRequests',
  'requestObjects',
  'dpop',
  'profile',
  'allowLoopbackHttpInTests',
  'responseMode',
  ...CLIENT_KEYS,
] as const satisfies readonly (keyof OAuthOidcProvider)[];
const OAUTH2_KEYS = [
  'type',
  'authorizationEndpoint',
  'tokenEndpoint',
  'profileEndpoint',
  'fetchProfile',
  'issuer',
  'pkce',
  'revocationEndpoint',
  ...CLIENT_KEYS,
] as const satisfies readonly (keyof OAuthOAuth2Provider)[];
const CUSTOM_KEYS = [
  'type',
  'label',
  'adapter',
  'mapUser',
  'scope',
  'authorizationParams',
  'allowInsecureHttp',
  'allow',
  'fetch',
] as const satisfies readonly (keyof OAuthCustomProvider)[];
const QUIRK_KEYS = [
  'tokenRequestFormat',
  'sendGrantType',
  'sendRedirectUri',
  'scopeSeparator',
  'tokenParams',
  'errorCodes',
  'preferExpiresAt',
  'basicAuthEncoding',
] as const satisfies readonly (keyof OAuthQuirks)[];

/** Compile-time proof that every key of each type is listed. */
type Unlisted<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;
const everyKeyListed: Record<
  | Unlisted<OAuthOidcProvider, typeof OIDC_KEYS>
  | Unlisted<OAuthOAuth2Provider, typeof OAUTH2_KEYS>
  | Unlisted<OAuthCustomProvider, typeof CUSTOM_KEYS>
  | Unlisted<OAuthQuirks, typeof QUIRK_KEYS>,
  never
> = {};
void everyKeyListed;

/** The keys a provider may have, for the single-provider form's typo hints. */
export const PROVIDER_KEYS: readonly string[] = [
  ...new Set<string>([...OIDC_KEYS, ...OAUTH2_KEYS, ...CUSTOM_KEYS]),
];

function readQuirks(prefix: string, value: unknown): ResolvedQuirks {
  const quirks = value ?? {};
  if (!isRecord(quirks)) throw invalid(`${prefix}quirks`, 'an object');
  rejectUnknownKeys(quirks, QUIRK_KEYS, `${prefix}quirks.`);
  const format = quirks.tokenRequestFormat ?? 'form';
  if (format !== 'form' && format !== 'json') {
    throw invalid(`${prefix}quirks.tokenRequestFormat`, '"form" or "json"');
  }
  const separator = quirks.scopeSeparator ?? ' ';
  if (typeof separator !== 'string' || separator === '') {
    throw invalid(`${prefix}quirks.scopeSeparator`, 'a non-empty string');
  }
  const encoding = quirks.basicAuthEncoding ?? 'form-urlencoded';
  if (encoding !== 'form-urlencoded' && encoding !== 'plain') {
    throw invalid(`${prefix}quirks.basicAuthEncoding`, '"form-urlencoded" or "plain"');
  }
  return {
    tokenRequestFormat: format,
    sendGrantType: readBoolean(`${prefix}quirks.sendGrantType`, quirks.sendGrantType, true),
    sendRedirectUri: readBoolean(`${prefix}quirks.sendRedirectUri`, quirks.sendRedirectUri, true),
    scopeSeparator: separator,
    tokenParams: readStringRecord(`${prefix}quirks.tokenParams`, quirks.tokenParams),
    errorCodes: readStringRecord(`${prefix}quirks.errorCodes`, quirks.errorCodes),
    preferExpiresAt: readBoolean(`${prefix}quirks.preferExpiresAt`, quirks.preferExpiresAt, false),
    basicAuthEncoding: encoding,
  };
}

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

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const satisfies readonly TokenEndpointAuthMethod[];

/** The methods that authenticate with the TLS client certificate (RFC 8705 §2). */
const TLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** The methods that sign or send the shared secret, and so need `clientSecret`. */
const SECRET_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
];

function readClient(
  prefix: string,
  input: Record<string, unknown>,
  common: ResolvedCommon,
): ResolvedClient {
  const clientSecret = readOptionalString(`${prefix}clientSecret`, input.clientSecret);
  const clientKeys = readClientKeys(`${prefix}clientPrivateKey`, input.clientPrivateKey);
  const clientCertificate = readClientCertificate(
    `${prefix}clientCertificate`,
    input.clientCertificate,
  );
  const method =
    input.tokenEndpointAuthMethod ??
    (clientSecret
      ? 'client_secret_basic'
      : clientKeys
        ? 'private_key_jwt'
        : clientCertificate
          ? 'tls_client_auth'
          : 'none');
  if (!(AUTH_METHODS as readonly unknown[]).includes(method)) {
    throw invalid(
      `${prefix}tokenEndpointAuthMethod`,
      AUTH_METHODS.map((name) => `"${name}"`).join(', '),
    );
  }
  if (SECRET_METHODS.includes(method as string) && clientSecret === undefined) {
    throw missing(
      `${prefix}clientSecret`,
      `with tokenEndpointAuthMethod "${String(method)}"; set tokenEndpointAuthMethod: 'none' for a public client`,
    );
  }
  if (method === 'private_key_jwt' && clientKeys === undefined) {
    throw missing(
      `${prefix}clientPrivateKey`,
      'with tokenEndpointAuthMethod "private_key_jwt": the key that signs the client assertion',
    );
  }
  if (TLS_METHODS.includes(method as string) && clientCertificate === undefined) {
    throw missing(
      `${prefix}clientCertificate`,
      `with tokenEndpointAuthMethod "${String(method)}": { cert, key } of the certificate the provider knows the client by`,
    );
  }
  const quirks = readQuirks(prefix, input.quirks);
  return {
    ...common,
    clientId: readString(`${prefix}clientId`, input.clientId),
    clientSecret,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    basicAuthEncoding: quirks.basicAuthEncoding,
    clientKeys,
    clientCertificate,
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
