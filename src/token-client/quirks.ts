import { codedTypeError } from '../errors.js';
import {
  invalid,
  isRecord,
  readNumber,
  readOptionalString,
  rejectUnknownKeys,
} from '../options/readers.js';

/**
 * What a provider's answers mean beyond the RFCs: which `error` values refuse the credentials or
 * report a locked account, and how long a token lives when the response does not say. Internal.
 */
export interface ResolvedQuirks {
  /** The provider's own names for "these credentials are wrong", besides RFC 6749's. */
  readonly credentialsErrors: ReadonlySet<string>;
  readonly lockedErrors: ReadonlySet<string>;
  readonly unlockHint: string | undefined;
  /** Seconds. */
  readonly defaultExpiresIn: number | undefined;
}

/**
 * RFC 6749 §5.2: the grant (the user's credentials) or the client's own credentials were refused.
 * Only a token endpoint speaks these; an API called with HTTP Basic is not bound by them.
 */
const RFC_CREDENTIALS_ERRORS: ReadonlySet<string> = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
]);

const KNOWN = ['credentialsErrors', 'lockedErrors', 'unlockHint', 'defaultExpiresIn'];
/** HTTP Basic issues no token, so there is no lifetime to default. */
const TOKEN_ONLY = ['defaultExpiresIn'];

function readErrorNames(name: string, value: unknown): Set<string> {
  if (value === undefined) return new Set();
  const expectation = 'an array of non-empty "error" values';
  if (!Array.isArray(value)) throw invalid(name, expectation);
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw invalid(
        name,
        `${expectation} (found ${typeof item === 'string' ? 'an empty string' : typeof item})`,
      );
    }
  }
  return new Set(value as string[]);
}

/** Validates `options.quirks`, so a misspelt or mistyped quirk fails at creation. */
export function readQuirks(value: unknown, grant: string): ResolvedQuirks {
  if (value !== undefined && !isRecord(value)) throw invalid('quirks', 'an object');
  const quirks = value ?? {};
  for (const key of TOKEN_ONLY) {
    if (grant === 'basic' && key in quirks) {
      throw codedTypeError(
        `option "quirks.${key}" does not apply to grant "basic"; remove it`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  rejectUnknownKeys(quirks, KNOWN, 'quirks.');
  return {
    credentialsErrors: readErrorNames('quirks.credentialsErrors', quirks.credentialsErrors),
    lockedErrors: readErrorNames('quirks.lockedErrors', quirks.lockedErrors),
    unlockHint: readOptionalString('quirks.unlockHint', quirks.unlockHint),
    defaultExpiresIn:
      quirks.defaultExpiresIn === undefined
        ? undefined
        : readNumber('quirks.defaultExpiresIn', quirks.defaultExpiresIn, 0, 1),
  };
}

/**
 * What the provider's `error` says about the credentials: `'locked'` (the account is locked),
 * `'rejected'` (they are wrong), or `undefined` (nothing: another failure). `at` says who answered,
 * since RFC 6749's names belong to token endpoints.
 */
export function credentialsVerdict(
  quirks: ResolvedQuirks,
  error: string | undefined,
  at: 'token endpoint' | 'API',
): 'locked' | 'rejected' | undefined {
  if (error === undefined) return undefined;
  if (quirks.lockedErrors.has(error)) return 'locked';
  if (quirks.credentialsErrors.has(error)) return 'rejected';
  if (at === 'token endpoint' && RFC_CREDENTIALS_ERRORS.has(error)) return 'rejected';
  return undefined;
}
