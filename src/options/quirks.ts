/** Reads a provider's `quirks` option: how it departs from the standard, with the defaults. */
import type { OAuthQuirks } from './quirk-types.js';
import { invalid, isRecord, readBoolean, readStringRecord, rejectUnknownKeys } from './readers.js';

/** A provider's quirks with every default filled in; internal. */
export type ResolvedQuirks = Required<OAuthQuirks>;

// Tied to the public type: a quirk added to it and forgotten here (or the reverse) fails the
// type-check.
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

const everyQuirkListed: Record<Exclude<keyof OAuthQuirks, (typeof QUIRK_KEYS)[number]>, never> = {};
void everyQuirkListed;

/** Validates `quirks` (`prefix` names where they sit) and fills in the defaults. */
export function readQuirks(prefix: string, value: unknown): ResolvedQuirks {
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
