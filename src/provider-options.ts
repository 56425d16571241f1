import type { Request } from 'express';
import type { OAuthAdapter } from './adapter.js';
import type {
  OAuthAuthorizationParams,
  OAuthMapUser,
  OAuthOAuth2Provider,
  OAuthQuirks,
} from './provider-types.js';
import { codedTypeError } from './errors.js';
import {
  checkInsecureHttp,
  invalid,
  isRecord,
  readBoolean,
  readFunction,
  readOptionalString,
  readString,
  readUrl,
  rejectUnknownKeys,
} from './option-readers.js';

interface ResolvedCommon {
  readonly name: string;
  readonly label: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly authorizationParams: (req: Request) => OAuthAuthorizationParams;
  readonly mapUser: OAuthMapUser | undefined;
  readonly allowInsecureHttp: boolean;
}

interface ResolvedClient extends ResolvedCommon {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly quirks: Required<Omit<OAuthQuirks, 'tokenParams' | 'errorCodes'>> &
    Pick<Required<OAuthQuirks>, 'tokenParams' | 'errorCodes'>;
}

export interface ResolvedOidcProvider extends ResolvedClient {
  readonly kind: 'oidc';
  readonly issuer: URL;
  readonly fetchUserInfo: boolean;
  readonly verifyIdTokenSignature: boolean;
}

export interface ResolvedOAuth2Provider extends ResolvedClient {
  readonly kind: 'oauth2';
  readonly issuer: URL;
  readonly authorizationEndpoint: URL;
  readonly tokenEndpoint: URL;
  readonly profileEndpoint: URL | undefined;
  readonly fetchProfile: OAuthOAuth2Provider['fetchProfile'];
  readonly pkce: boolean;
}

export interface ResolvedCustomProvider extends ResolvedCommon {
  readonly kind: 'custom';
  readonly adapter: OAuthAdapter;
}

export type ResolvedProvider =
  ResolvedOidcProvider | ResolvedOAuth2Provider | ResolvedCustomProvider;

const COMMON_KEYS = [
  'label',
  'clientId',
  'clientSecret',
  'scope',
  'tokenEndpointAuthMethod',
  'authorizationParams',
  'quirks',
  'mapUser',
  'allowInsecureHttp',
];
const OIDC_KEYS = ['type', 'issuer', 'fetchUserInfo', 'verifyIdTokenSignature', ...COMMON_KEYS];
const OAUTH2_KEYS = [
  'type',
  'authorizationEndpoint',
  'tokenEndpoint',
  'profileEndpoint',
  'fetchProfile',
  'issuer',
  'pkce',
  ...COMMON_KEYS,
];
const CUSTOM_KEYS = [
  'type',
  'label',
  'adapter',
  'mapUser',
  'scope',
  'authorizationParams',
  'allowInsecureHttp',
];
const QUIRK_KEYS = [
  'tokenRequestFormat',
  'sendGrantType',
  'sendRedirectUri',
  'scopeSeparator',
  'tokenParams',
  'errorCodes',
  'preferExpiresAt',
];

/** The keys a provider may have, for the single-provider form's typo hints. */
export const PROVIDER_KEYS = [...new Set([...OIDC_KEYS, ...OAUTH2_KEYS, ...CUSTOM_KEYS])];

/** Parameters the middleware owns: letting an application set them would weaken the flow. */
const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/**
 * Checks authorization parameters given by the application, at creation time for static ones and
 * per request for dynamic ones, so none can override the parameters that protect the flow.
 */
export function checkAuthorizationParams(
  params: Record<string, unknown>,
  fail: (message: string) => Error,
): OAuthAuthorizationParams {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (RESERVED_AUTHORIZATION_PARAMS.has(key)) {
      throw fail(`free of "${key}", which the middleware sets itself`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail(`an object of strings ("${key}" is ${typeof value})`);
    checked[key] = value;
  }
  return checked;
}

function readAuthorizationParams(
  prefix: string,
  value: unknown,
): (req: Request) => OAuthAuthorizationParams {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') return value as (req: Request) => OAuthAuthorizationParams;
  if (!isRecord(value))
    throw invalid(`${prefix}authorizationParams`, 'an object of strings or a function');
  const params = checkAuthorizationParams(value, (message) =>
    invalid(`${prefix}authorizationParams`, message),
  );
  return () => params;
}

function readStringRecord(name: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(name, 'an object of strings');
  }
  return value as Record<string, string>;
}

function readQuirks(prefix: string, value: unknown): ResolvedClient['quirks'] {
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
  return {
    tokenRequestFormat: format,
    sendGrantType: readBoolean(`${prefix}quirks.sendGrantType`, quirks.sendGrantType, true),
    sendRedirectUri: readBoolean(`${prefix}quirks.sendRedirectUri`, quirks.sendRedirectUri, true),
    scopeSeparator: separator,
    tokenParams: readStringRecord(`${prefix}quirks.tokenParams`, quirks.tokenParams),
    errorCodes: readStringRecord(`${prefix}quirks.errorCodes`, quirks.errorCodes),
    preferExpiresAt: readBoolean(`${prefix}quirks.preferExpiresAt`, quirks.preferExpiresAt, false),
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
  };
}

function readClient(
  prefix: string,
  input: Record<string, unknown>,
  common: ResolvedCommon,
): ResolvedClient {
  const clientSecret = readOptionalString(`${prefix}clientSecret`, input.clientSecret);
  const method = input.tokenEndpointAuthMethod ?? (clientSecret ? 'client_secret_basic' : 'none');
  if (method !== 'client_secret_basic' && method !== 'client_secret_post' && method !== 'none') {
    throw invalid(
      `${prefix}tokenEndpointAuthMethod`,
      '"client_secret_basic", "client_secret_post" or "none"',
    );
  }
  if (method !== 'none' && clientSecret === undefined) {
    throw codedTypeError(
      `"options.${prefix}clientSecret" is required with tokenEndpointAuthMethod "${method}"; set tokenEndpointAuthMethod: 'none' for a public client`,
      'ERR_MISSING_OPTION',
    );
  }
  return {
    ...common,
    clientId: readString(`${prefix}clientId`, input.clientId),
    clientSecret,
    tokenEndpointAuthMethod: method,
    quirks: readQuirks(prefix, input.quirks),
  };
}

function readEndpoint(name: string, value: unknown, allowInsecureHttp: boolean): URL {
  const url = readUrl(name, value);
  checkInsecureHttp(name, url, allowInsecureHttp);
  return url;
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
    return {
      ...readCommon(name, prefix, input, redirectUri, ''),
      kind: 'custom',
      adapter: adapter as unknown as OAuthAdapter,
    };
  }
  if (type === 'oauth2') {
    rejectUnknownKeys(input, OAUTH2_KEYS, prefix);
    const common = readCommon(name, prefix, input, redirectUri, '');
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
      throw codedTypeError(
        `"options.${prefix}profileEndpoint" or "options.${prefix}fetchProfile" is required: without an ID token, the user is known only through the profile`,
        'ERR_MISSING_OPTION',
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
    };
  }
  if (type !== 'oidc') throw invalid(`${prefix}type`, '"oidc", "oauth2" or "custom"');
  rejectUnknownKeys(input, OIDC_KEYS, prefix);
  const common = readCommon(name, prefix, input, redirectUri, 'openid profile email');
  return {
    ...readClient(prefix, input, common),
    kind: 'oidc',
    issuer: readEndpoint(`${prefix}issuer`, input.issuer, common.allowInsecureHttp),
    fetchUserInfo: readBoolean(`${prefix}fetchUserInfo`, input.fetchUserInfo, false),
    verifyIdTokenSignature: readBoolean(
      `${prefix}verifyIdTokenSignature`,
      input.verifyIdTokenSignature,
      true,
    ),
  };
}
