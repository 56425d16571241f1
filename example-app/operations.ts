/**
 * What the example app shows of docs/operations.md: in development, a pino logger for the
 * middleware and a log line for every event it publishes (login, refresh, logout, each provider
 * request), so the flows can be followed in the terminal. Events carry no token, code or secret.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import { subscribeOAuthEvents } from 'express-oauth-rp';

let subscribed = false;

/** The pino logger in development (`NODE_ENV` unset or `development`), else `undefined`. */
export function developmentLogger(): Logger | undefined {
  const env = process.env.NODE_ENV ?? 'development';
  if (env !== 'development') return undefined;
  const logger = pino({ name: 'example-app' });
  // Events come from every middleware in the process: one subscription is enough.
  if (!subscribed) {
    subscribed = true;
    subscribeOAuthEvents((event, payload) => logger.info({ event, ...payload }, `oauth ${event}`));
  }
  return logger;
}
