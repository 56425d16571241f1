import { invalid, isRecord } from './readers.js';

/** Structured fields of a log line, for loggers that keep them (pino, winston). */
export interface LogFields {
  /** The `OAuthError` code, e.g. `OAUTH_PROVIDER_UNAVAILABLE`. */
  readonly code?: string;
  /** The configured provider name. */
  readonly provider?: string;
}

/** The logger as the package calls it; internal. */
export interface ResolvedLogger {
  warn(message: string, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
}

const silentLogger: ResolvedLogger = { warn() {}, error() {} };

const consoleLogger: ResolvedLogger = {
  warn: (message) => console.warn(`[express-oauth-rp] ${message}`),
  error: (message, error) =>
    console.error(
      `[express-oauth-rp] ${message}`,
      error instanceof Error ? `(${error.name}: ${error.message})` : '',
    ),
};

type LoggerStyle = 'pino' | 'winston' | 'plain';

/**
 * pino loggers have `bindings()` and `child()`; winston loggers have `transports` and `log()`.
 * Anything else is called as `warn(message)` and `error(message, error)`.
 */
function styleOf(logger: Record<string, unknown>): LoggerStyle {
  if (typeof logger.bindings === 'function' && typeof logger.child === 'function') return 'pino';
  if ('transports' in logger && typeof logger.log === 'function') return 'winston';
  return 'plain';
}

/** `{ code, provider, err }`: the structured fields both pino and winston keep. */
function structured(error: unknown, fields: LogFields | undefined): Record<string, unknown> {
  const code =
    fields?.code ??
    (typeof (error as { code?: unknown } | undefined)?.code === 'string'
      ? (error as { code: string }).code
      : undefined);
  return {
    ...(code === undefined ? {} : { code }),
    ...(fields?.provider === undefined ? {} : { provider: fields.provider }),
    ...(error === undefined ? {} : { err: error }),
  };
}

/**
 * `logger`: `console` by default, `false` for silence, or any object with warn()/error(): a pino
 * or winston logger is given structured fields the way it takes them.
 */
export function readLogger(value: unknown, style?: unknown): ResolvedLogger {
  if (style !== undefined && style !== 'pino' && style !== 'winston' && style !== 'plain') {
    throw invalid('loggerStyle', '"pino", "winston" or "plain"');
  }
  if (value === undefined) return consoleLogger;
  if (value === false) return silentLogger;
  if (!isRecord(value)) throw invalid('logger', 'an object with warn() and error(), or false');
  const warn = typeof value.warn === 'function' ? value.warn.bind(value) : undefined;
  const error = typeof value.error === 'function' ? value.error.bind(value) : undefined;
  switch (style ?? styleOf(value)) {
    case 'pino':
      return {
        warn: (message, fields) => warn?.(structured(undefined, fields), message),
        error: (message, cause, fields) => error?.(structured(cause, fields), message),
      };
    case 'winston':
      return {
        warn: (message, fields) => warn?.(message, structured(undefined, fields)),
        error: (message, cause, fields) => error?.(message, structured(cause, fields)),
      };
    default:
      return {
        warn: (message) => warn?.(message),
        error: (message, cause) => error?.(message, cause),
      };
  }
}
