import type { OAuthLogger } from './types.js';
import { invalid, isRecord } from './readers.js';

const silentLogger: Required<OAuthLogger> = { warn() {}, error() {} };

const consoleLogger: Required<OAuthLogger> = {
  warn: (message) => console.warn(`[express-oauth-rp] ${message}`),
  error: (message, error) =>
    console.error(
      `[express-oauth-rp] ${message}`,
      error instanceof Error ? `(${error.name}: ${error.message})` : '',
    ),
};

/** `logger`: `console` by default, `false` for silence, or any object with warn()/error(). */
export function readLogger(value: unknown): Required<OAuthLogger> {
  if (value === undefined) return consoleLogger;
  if (value === false) return silentLogger;
  if (!isRecord(value)) throw invalid('logger', 'an object with warn() and error(), or false');
  const warn = typeof value.warn === 'function' ? value.warn.bind(value) : silentLogger.warn;
  const error = typeof value.error === 'function' ? value.error.bind(value) : silentLogger.error;
  return { warn, error };
}
