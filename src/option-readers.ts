// Transitional: the token client still imports the readers from here until it moves onto
// options/readers.ts and providers/plain-http.ts directly.
export {
  invalid,
  isRecord,
  readBoolean,
  readFunction,
  readNumber,
  readOptionalString,
  readString,
  readUrl,
  rejectUnknownKeys,
} from './options/readers.js';
export {
  checkOptionTransport as checkInsecureHttp,
  isLoopbackHost,
} from './providers/plain-http.js';
