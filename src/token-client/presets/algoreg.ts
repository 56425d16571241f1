import { codedTypeError } from '../../errors.js';
import { invalid, isRecord, readUrl, rejectUnknownKeys } from '../../options/readers.js';
import type {
  OAuthBasicAuthOptions,
  OAuthPasswordGrantOptions,
  OAuthTokenClientQuirks,
  OAuthTokenGrantBaseOptions,
} from '../types.js';

/** Options of {@link algoreg}. */
export interface AlgoregOptions extends Pick<
  OAuthTokenGrantBaseOptions,
  | 'credentialsCooldown'
  | 'maxCredentialsRejections'
  | 'refreshLeeway'
  | 'timeout'
  | 'allowInsecureHttp'
  | 'fetch'
> {
  /** The programmatic user's email, e.g. `api-algoreg@my-company.com`. */
  username: string;
  /** The programmatic user's password: the "API key" of Algoreg's sample code. */
  password: string;
  /**
   * How to authenticate. `'password'` (default) gets a one-hour OAuth 2 token from
   * `/api/v1/token`, the method Algoreg recommends; `'basic'` sends the email and password on
   * every API call (Algoreg's method 1).
   */
  grant?: 'password' | 'basic';
  /** A dedicated Algoreg instance: the API is then `https://api.{instance}.algoreg.com`. */
  instance?: string;
  /**
   * The API's base URL; the token endpoint is its `/api/v1/token`. Default
   * `https://api.algoreg.com`, or the instance's. Credentials are sent to this origin only.
   */
  apiBaseURL?: string | URL;
}

const API_URL = 'https://api.algoreg.com';

// Algoreg: five wrong passwords in a row lock the programmatic user until its support unlocks it
// (the number the package's simulator uses; Algoreg's documentation says "too many"). Three keeps
// the client two refusals below it, so a wrong password stops this client, not the account.
const MAX_CREDENTIALS_REJECTIONS = 3;

const PASSED_ON = [
  'credentialsCooldown',
  'maxCredentialsRejections',
  'refreshLeeway',
  'timeout',
  'allowInsecureHttp',
  'fetch',
] as const;
const KNOWN = ['username', 'password', 'grant', 'instance', 'apiBaseURL', ...PASSED_ON];

/** A DNS label: anything else would move the password to another host. */
const INSTANCE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

// Algoreg: a wrong email or password is "invalid_credentials" on an API call (at the token
// endpoint it is RFC 6749's "invalid_grant"), and a programmatic user locked after too many is
// "account_locked" until Algoreg's support unlocks it. Algoreg's documentation names no error
// codes: these are the answers the package's Algoreg simulator reproduces.
const ERROR_QUIRKS = {
  credentialsErrors: ['invalid_credentials'],
  lockedErrors: ['account_locked'],
  unlockHint: 'Algoreg: contact its support',
} as const satisfies OAuthTokenClientQuirks;

function apiURL(options: Record<string, unknown>): string {
  const { instance, apiBaseURL } = options;
  if (instance !== undefined && apiBaseURL !== undefined) {
    throw codedTypeError(
      '"options.instance" and "options.apiBaseURL" both set the API host; set one of them',
      'ERR_INVALID_ARG_VALUE',
    );
  }
  if (apiBaseURL !== undefined) return readUrl('apiBaseURL', apiBaseURL).href.replace(/\/$/, '');
  if (instance === undefined) return API_URL;
  if (typeof instance !== 'string' || !INSTANCE.test(instance)) {
    throw invalid(
      'instance',
      'the name of an Algoreg instance, as in https://api.{instance}.algoreg.com',
    );
  }
  return `https://api.${instance.toLowerCase()}.algoreg.com`;
}

/**
 * Algoreg: machine to machine, on behalf of a programmatic user created in Algoreg's back office.
 * By default the user's email and password are exchanged for a one-hour token with the password
 * grant, sent as JSON (not RFC 6749's form) to `/api/v1/token`; `grant: 'basic'` sends them with
 * HTTP Basic on every call instead. Too many wrong passwords lock the programmatic user until
 * Algoreg's support unlocks it, so a refused password is never retried before
 * `credentialsCooldown` has passed, the client stops sending it after 3 refusals in a row
 * (`maxCredentialsRejections`, until `client.resetCredentials()`), and a locked account is
 * reported as such.
 *
 * Returns options for {@link createTokenClient}. A mistake throws a `TypeError` with a Node-style
 * `code`, here or when the client is created, never at the first request.
 *
 * @example
 * ```ts
 * const client = createTokenClient(
 *   algoreg({ username: process.env.ALGOREG_USER!, password: process.env.ALGOREG_KEY! }),
 * );
 * const me = await (await client.fetch('/api/v1/me')).json();
 * ```
 *
 * @see https://backoffice.algoreg.com/settings/developers (where programmatic users are created)
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.3 | RFC 6749 §4.3 (password grant)}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7617 | RFC 7617 (HTTP Basic)}
 */
export function algoreg(
  options: AlgoregOptions,
): OAuthPasswordGrantOptions | OAuthBasicAuthOptions {
  if (!isRecord(options)) {
    throw codedTypeError('"options" must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  rejectUnknownKeys(options, KNOWN, '');
  const grant = options.grant ?? 'password';
  if (grant !== 'password' && grant !== 'basic') throw invalid('grant', '"password" or "basic"');
  const api = apiURL(options);
  // Passed on only when set: createTokenClient() refuses a key that does not apply to the grant.
  const passed = Object.fromEntries(
    PASSED_ON.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
  ) as Pick<AlgoregOptions, (typeof PASSED_ON)[number]>;
  const { username, password } = options;
  const stop = { maxCredentialsRejections: MAX_CREDENTIALS_REJECTIONS, ...passed };
  if (grant === 'basic') {
    return { ...stop, grant, apiBaseURL: api, username, password, quirks: ERROR_QUIRKS };
  }
  return {
    ...stop,
    grant,
    tokenEndpoint: `${api}/api/v1/token`,
    apiBaseURL: api,
    username,
    password,
    // Algoreg: the token endpoint reads a JSON body, not RFC 6749's form.
    tokenRequestFormat: 'json',
    // Algoreg: "The token is valid for 1 hour", should a response leave out expires_in.
    quirks: { ...ERROR_QUIRKS, defaultExpiresIn: 3600 },
  };
}
