import { codedTypeError } from '../errors.js';
import {
  invalid,
  isRecord,
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
import { readClientAuthentication } from './client-authentication.js';
import type { TokenClientAuthentication } from './client-authentication.js';
import { readQuirks } from './quirks.js';
import type { ResolvedQuirks } from './quirks.js';

type Fetch = typeof fetch;

interface ResolvedCommon {
  /** Seconds; `Infinity` means never again with this client. */
  readonly credentialsCooldown: number;
  /** Refusals in a row after which the client stops until reset; `Infinity`: no limit. */
  readonly maxCredentialsRejections: number;
  readonly allowInsecureHttp: boolean;
  readonly apiBaseURL: URL | undefined;
  readonly fetch: Fetch | undefined;
  readonly quirks: ResolvedQuirks;
}

/** A token client that asks a token endpoint for Bearer tokens; internal. */
export interface ResolvedGrantOptions extends ResolvedCommon, TokenClientAuthentication {
  readonly grant: 'password' | 'client_credentials';
  readonly tokenEndpoint: URL;
  /** The grant's own parameters (`username`, `password`, `scope`, `tokenParams`). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly username: string | undefined;
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
  'maxCredentialsRejections',
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

function readMaxRejections(value: unknown): number {
  if (value === undefined || value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid('maxCredentialsRejections', 'a whole number >= 1, or Infinity');
  }
  return value;
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
    maxCredentialsRejections: readMaxRejections(input.maxCredentialsRejections),
    allowInsecureHttp,
    apiBaseURL,
    fetch: readFunction<Fetch>('fetch', input.fetch, 'a fetch function'),
    quirks: readQuirks(input.quirks, grant),
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
