import { codedTypeError } from '../errors.js';
import { readClientCertificate } from '../options/client-certificate.js';
import type { ResolvedClientCertificate } from '../options/client-certificate.js';
import { readClientKeys } from '../options/client-keys.js';
import type { ClientKeySet } from '../options/client-keys.js';
import {
  invalid,
  isRecord,
  missing,
  readBoolean,
  readFunction,
  readMaxResponseBytes,
  readNumber,
  readOptionalString,
  readString,
  readUrl,
  rejectUnknownKeys,
  readSecret,
} from '../options/readers.js';
import { checkOptionTransport } from '../providers/plain-http.js';
import { suggestName } from '../options/suggest-name.js';
import { readQuirks } from './quirks.js';
import type { ResolvedQuirks } from './quirks.js';
import type { OAuthTokenClientAuthMethod } from './types.js';

type Fetch = typeof fetch;

interface ResolvedCommon {
  /** Seconds; `Infinity` means never again with this client. */
  readonly credentialsCooldown: number;
  readonly allowInsecureHttp: boolean;
  readonly apiBaseURL: URL | undefined;
  readonly fetch: Fetch | undefined;
  readonly quirks: ResolvedQuirks;
}

/** A token client that asks a token endpoint for Bearer tokens; internal. */
export interface ResolvedGrantOptions extends ResolvedCommon {
  readonly grant: 'password' | 'client_credentials';
  readonly tokenEndpoint: URL;
  /** The grant's own parameters (`username`, `password`, `scope`, `tokenParams`). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly username: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** `undefined`: the provider knows no client at all (Algoreg). */
  readonly tokenEndpointAuthMethod: OAuthTokenClientAuthMethod | 'none' | undefined;
  /** For `private_key_jwt`: the first key signs. */
  readonly clientKeys: ClientKeySet | undefined;
  /** The `aud` of client assertions; `undefined`: the token endpoint's URL. */
  readonly clientAssertionAudience: string | undefined;
  /** Presented on the token request and on `client.fetch()` (RFC 8705). */
  readonly clientCertificate: ResolvedClientCertificate | undefined;
  readonly tokenRequestFormat: 'json' | 'form';
  /** Milliseconds. */
  readonly timeout: number;
  /** Bytes a token response may have. */
  readonly maxResponseBytes: number;
  /** Seconds. */
  readonly refreshLeeway: number;
}

/** A client that sends HTTP Basic credentials on every API request; internal. */
export interface ResolvedBasicOptions extends ResolvedCommon {
  readonly grant: 'basic';
  readonly username: string;
  readonly password: string;
}

export type ResolvedTokenClientOptions = ResolvedGrantOptions | ResolvedBasicOptions;

const GRANTS = ['password', 'client_credentials', 'basic'] as const;
type Grant = (typeof GRANTS)[number];

const COMMON = [
  'grant',
  'credentialsCooldown',
  'allowInsecureHttp',
  'apiBaseURL',
  'fetch',
  'quirks',
];
const TOKEN_COMMON = [
  ...COMMON,
  'tokenEndpoint',
  'scope',
  'tokenParams',
  'tokenRequestFormat',
  'timeout',
  'maxResponseBytes',
  'refreshLeeway',
  'clientId',
  'clientSecret',
  'tokenEndpointAuthMethod',
  'clientPrivateKey',
  'clientAssertionAudience',
  'clientCertificate',
];
const KNOWN: Record<Grant, readonly string[]> = {
  password: [...TOKEN_COMMON, 'username', 'password'],
  client_credentials: TOKEN_COMMON,
  basic: [...COMMON, 'username', 'password'],
};
const ALL_KNOWN = [...new Set(Object.values(KNOWN).flat())];

/** Parameters the client sets itself, from options with their own names. */
const RESERVED_TOKEN_PARAMS = new Set([
  'grant_type',
  'username',
  'password',
  'scope',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

function readGrant(input: Record<string, unknown>): Grant {
  const grant = input.grant;
  if (grant === undefined) {
    // A misspelt "grant" is the likeliest reason it is missing: say so before anything else.
    rejectUnknownKeys(input, ALL_KNOWN, '');
  }
  if (typeof grant === 'string' && (GRANTS as readonly string[]).includes(grant)) {
    return grant as Grant;
  }
  const hint = typeof grant === 'string' ? suggestName(grant, GRANTS) : undefined;
  throw codedTypeError(
    `"options.grant" must be "password", "client_credentials" or "basic"${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
    'ERR_INVALID_ARG_VALUE',
  );
}

function rejectKeysOfOtherGrants(input: Record<string, unknown>, grant: Grant): void {
  for (const key of Object.keys(input)) {
    if (KNOWN[grant].includes(key) || !ALL_KNOWN.includes(key)) continue;
    throw codedTypeError(
      `option "${key}" does not apply to grant "${grant}"; remove it`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  rejectUnknownKeys(input, KNOWN[grant], '');
}

function readCooldown(value: unknown): number {
  if (value === Infinity) return Infinity;
  return readNumber('credentialsCooldown', value, 900, 0);
}

function readTokenParams(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalid('tokenParams', 'an object of strings');
  const params: Record<string, string> = {};
  for (const [key, param] of Object.entries(value)) {
    if (RESERVED_TOKEN_PARAMS.has(key)) {
      throw invalid('tokenParams', `free of "${key}", which the client sets from its own option`);
    }
    if (typeof param !== 'string') {
      throw invalid('tokenParams', `an object of strings ("${key}" is ${typeof param})`);
    }
    params[key] = param;
  }
  return params;
}

function readFormat(value: unknown, fallback: 'form'): 'json' | 'form' {
  if (value === undefined) return fallback;
  if (value !== 'json' && value !== 'form') throw invalid('tokenRequestFormat', '"json" or "form"');
  return value;
}

function readCommon(input: Record<string, unknown>, grant: Grant): ResolvedCommon {
  const allowInsecureHttp = readBoolean('allowInsecureHttp', input.allowInsecureHttp, false);
  let apiBaseURL: URL | undefined;
  if (input.apiBaseURL !== undefined) {
    apiBaseURL = readUrl('apiBaseURL', input.apiBaseURL);
    checkOptionTransport('apiBaseURL', apiBaseURL, allowInsecureHttp);
  }
  return {
    credentialsCooldown: readCooldown(input.credentialsCooldown),
    allowInsecureHttp,
    apiBaseURL,
    fetch: readFunction<Fetch>('fetch', input.fetch, 'a fetch function'),
    quirks: readQuirks(input.quirks, grant),
  };
}

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const satisfies readonly OAuthTokenClientAuthMethod[];

/** What each method authenticates with, for the messages of a missing or unused credential. */
const CREDENTIAL_OF: Record<OAuthTokenClientAuthMethod | 'none', string | undefined> = {
  client_secret_basic: 'clientSecret',
  client_secret_post: 'clientSecret',
  client_secret_jwt: 'clientSecret',
  private_key_jwt: 'clientPrivateKey',
  tls_client_auth: 'clientCertificate',
  self_signed_tls_client_auth: 'clientCertificate',
  none: undefined,
};

type ClientAuthentication = Pick<
  ResolvedGrantOptions,
  | 'clientId'
  | 'clientSecret'
  | 'tokenEndpointAuthMethod'
  | 'clientKeys'
  | 'clientAssertionAudience'
  | 'clientCertificate'
>;

function readMethod(
  value: unknown,
  grant: 'password' | 'client_credentials',
): OAuthTokenClientAuthMethod | 'none' | undefined {
  if (value === undefined) return undefined;
  // A public client has nothing to prove who it is with: RFC 6749 §4.4 is for confidential ones.
  const allowed: readonly string[] =
    grant === 'password' ? [...AUTH_METHODS, 'none'] : AUTH_METHODS;
  if (typeof value === 'string' && allowed.includes(value)) {
    return value as OAuthTokenClientAuthMethod | 'none';
  }
  const hint = typeof value === 'string' ? suggestName(value, allowed) : undefined;
  throw invalid(
    'tokenEndpointAuthMethod',
    `one of ${allowed.map((m) => `"${m}"`).join(', ')}${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
  );
}

function readClientAuthentication(
  input: Record<string, unknown>,
  grant: 'password' | 'client_credentials',
): ClientAuthentication {
  const required = grant === 'client_credentials';
  const clientId = required
    ? readString('clientId', input.clientId)
    : readOptionalString('clientId', input.clientId);
  const clientSecret =
    input.clientSecret === undefined ? undefined : readSecret('clientSecret', input.clientSecret);
  const clientKeys = readClientKeys('clientPrivateKey', input.clientPrivateKey);
  const clientCertificate = readClientCertificate('clientCertificate', input.clientCertificate);
  const clientAssertionAudience = readOptionalString(
    'clientAssertionAudience',
    input.clientAssertionAudience,
  );
  const explicit = readMethod(input.tokenEndpointAuthMethod, grant);
  if (clientId === undefined) {
    const given = [
      'clientSecret',
      'clientPrivateKey',
      'clientCertificate',
      'clientAssertionAudience',
      'tokenEndpointAuthMethod',
    ].find((name) => input[name] !== undefined);
    if (given !== undefined) {
      throw codedTypeError(
        `"options.${given}" needs "options.clientId"; set both, or neither when the token endpoint knows no client`,
        'ERR_MISSING_OPTION',
      );
    }
    return {
      clientId,
      clientSecret,
      tokenEndpointAuthMethod: undefined,
      clientKeys,
      clientAssertionAudience,
      clientCertificate,
    };
  }
  // As the middleware: a secret, else a private key, else a certificate selects the method.
  const method =
    explicit ??
    (clientSecret !== undefined
      ? 'client_secret_basic'
      : clientKeys !== undefined
        ? 'private_key_jwt'
        : clientCertificate !== undefined
          ? 'tls_client_auth'
          : required
            ? undefined
            : 'none');
  if (method === undefined) {
    throw missing(
      'clientSecret',
      `with grant "client_credentials"; or authenticate without a shared secret: set "options.clientPrivateKey" (private_key_jwt) or "options.clientCertificate" (tls_client_auth)`,
    );
  }
  const credential = CREDENTIAL_OF[method];
  if (credential !== undefined && input[credential] === undefined) {
    throw missing(
      credential,
      `with tokenEndpointAuthMethod "${method}"${
        credential === 'clientPrivateKey'
          ? ': the key that signs the client assertion'
          : credential === 'clientCertificate'
            ? ': { cert, key } of the certificate the provider knows the client by'
            : ''
      }`,
    );
  }
  // A credential the method never uses is a mistake in the setup, not something to ignore: the
  // client would authenticate differently from what its author expects. The certificate is the
  // exception, since it also binds the tokens (RFC 8705 §3) whatever the method.
  for (const unused of ['clientSecret', 'clientPrivateKey'] as const) {
    if (unused !== credential && input[unused] !== undefined) {
      throw codedTypeError(
        `"options.${unused}" is not used with tokenEndpointAuthMethod "${method}"; remove it, or set the method that uses it`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  if (
    clientAssertionAudience !== undefined &&
    method !== 'private_key_jwt' &&
    method !== 'client_secret_jwt'
  ) {
    throw codedTypeError(
      `"options.clientAssertionAudience" is only used by "private_key_jwt" and "client_secret_jwt", not "${method}"; remove it`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return {
    clientId,
    clientSecret,
    tokenEndpointAuthMethod: method,
    clientKeys,
    clientAssertionAudience,
    clientCertificate,
  };
}

function readGrantOptions(
  input: Record<string, unknown>,
  grant: 'password' | 'client_credentials',
  common: ResolvedCommon,
): ResolvedGrantOptions {
  const tokenEndpoint = readUrl('tokenEndpoint', input.tokenEndpoint);
  if (tokenEndpoint.hash !== '') throw invalid('tokenEndpoint', 'a URL without a fragment');
  checkOptionTransport('tokenEndpoint', tokenEndpoint, common.allowInsecureHttp);
  const username = grant === 'password' ? readString('username', input.username) : undefined;
  const scope = readOptionalString('scope', input.scope);
  const parameters: Record<string, string> = {
    ...readTokenParams(input.tokenParams),
    ...(scope === undefined ? {} : { scope }),
  };
  if (username !== undefined) {
    parameters.username = username;
    parameters.password = readSecret('password', input.password);
  }
  return {
    ...common,
    grant,
    tokenEndpoint,
    parameters,
    username,
    ...readClientAuthentication(input, grant),
    // RFC 6749 §4.3 and §4.4 are form-encoded; a provider that wants JSON says so in its preset.
    tokenRequestFormat: readFormat(input.tokenRequestFormat, 'form'),
    timeout: readNumber('timeout', input.timeout, 10_000, 1),
    maxResponseBytes: readMaxResponseBytes(input.maxResponseBytes),
    refreshLeeway: readNumber('refreshLeeway', input.refreshLeeway, 60, 0),
  };
}

/**
 * Validates the options of `createTokenClient()` and fills in the defaults, so a mistake surfaces
 * when the client is created, not at its first request.
 */
export function resolveTokenClientOptions(input: unknown): ResolvedTokenClientOptions {
  if (!isRecord(input)) {
    throw codedTypeError('"options" must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  const grant = readGrant(input);
  rejectKeysOfOtherGrants(input, grant);
  const common = readCommon(input, grant);
  if (grant !== 'basic') return readGrantOptions(input, grant, common);
  const username = readString('username', input.username);
  // RFC 7617: the user-id of HTTP Basic cannot contain a colon.
  if (username.includes(':')) throw invalid('username', 'free of ":" for HTTP Basic');
  return { ...common, grant, username, password: readSecret('password', input.password) };
}
