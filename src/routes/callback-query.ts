import { OAuthError } from '../errors.js';

const MAX_QUERY_LENGTH = 16_384;
const MAX_VALUE_LENGTH = 4_096;
const MAX_PARAMS = 32;

/**
 * Parameters that must never travel through the browser in an authorization code flow: tokens
 * (implicit and hybrid flows) and a JARM `response`, which this client never asks for.
 */
const FRONT_CHANNEL_TOKENS = ['access_token', 'id_token', 'refresh_token', 'token', 'response'];

function invalid(message: string): OAuthError {
  return new OAuthError(message, { code: 'OAUTH_INVALID_CALLBACK' });
}

/**
 * Reads the callback's query string itself rather than through Express's query parser, whose
 * output differs between Express 4 (`qs`: `state[]=a` becomes an array) and 5, and refuses any
 * parameter given twice or with brackets: one value per name, or the callback is not trusted.
 */
export function parseCallbackQuery(originalUrl: string, codeFlow = true): URLSearchParams {
  const index = originalUrl.indexOf('?');
  const raw = index === -1 ? '' : originalUrl.slice(index + 1);
  if (raw.length > MAX_QUERY_LENGTH) throw invalid('the callback query string is too long');
  const params = new URLSearchParams(raw);
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.size >= MAX_PARAMS) throw invalid('the callback has too many parameters');
    if (/[[\]]/.test(name))
      throw invalid(`the callback parameter "${name.slice(0, 40)}" is array-valued`);
    if (seen.has(name))
      throw invalid(`the callback parameter "${name.slice(0, 40)}" is given more than once`);
    if (value.length > MAX_VALUE_LENGTH)
      throw invalid(`the callback parameter "${name.slice(0, 40)}" is too long`);
    seen.add(name);
  }
  // A custom adapter's provider may return a token in the redirect by design (ALGOGENE does).
  for (const name of codeFlow ? FRONT_CHANNEL_TOKENS : []) {
    if (params.has(name)) {
      throw invalid(
        `the callback carries "${name}" in the URL; tokens must come from the token endpoint`,
      );
    }
  }
  return params;
}
