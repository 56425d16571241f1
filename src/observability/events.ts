import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Channel } from 'node:diagnostics_channel';
import { currentTenant } from './tenant-scope.js';

/**
 * The package's events, one `node:diagnostics_channel` channel each. A payload holds names,
 * codes, URLs without their query and durations: never a token, an authorization code, a secret,
 * a cookie value or a query string, so a subscriber may log all of it as it is. Publishing checks
 * `hasSubscribers` first: with nobody listening, an event costs one property read.
 */

/** `express-oauth-rp:login:start`: a login redirected the browser to its provider. */
export interface OAuthLoginStartEvent {
  /** The configured provider name (`default` with one provider). */
  readonly provider: string;
  /** A `prompt=none` login started by `requireAuth()`. */
  readonly silent: boolean;
  /** Milliseconds spent building the redirect (discovery, PAR, request object). */
  readonly durationMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:login:success`: a callback signed someone in. */
export interface OAuthLoginSuccessEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** Milliseconds the callback took (code exchange, token checks, userinfo, hooks). */
  readonly durationMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:login:failure`: starting a login, or its callback, failed. */
export interface OAuthLoginFailureEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** Which half failed: building the redirect, or the callback. */
  readonly step: 'start' | 'callback';
  /** The `OAuthError` code, e.g. `OAUTH_STATE_MISMATCH`. */
  readonly code: string;
  /** The HTTP status the browser was answered with. */
  readonly status: number;
  /** Milliseconds the failed step took. */
  readonly durationMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:refresh`: one refresh request to the provider, and how it ended. */
export interface OAuthRefreshPublishedEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** Whether the provider renewed the tokens. */
  readonly outcome: 'success' | 'failure';
  /** The `OAuthError` code of a failure. */
  readonly code?: string;
  /** Milliseconds the refresh took. */
  readonly durationMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/**
 * `express-oauth-rp:refresh-lock:wait`: another request (or instance) held the refresh lock, and
 * this one waited for it before going on.
 */
export interface OAuthRefreshLockWaitEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** Milliseconds spent waiting. */
  readonly waitedMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:refresh-lock:timeout`: the lock stayed held too long; the request failed. */
export interface OAuthRefreshLockTimeoutEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** Milliseconds spent waiting before giving up. */
  readonly waitedMs: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:logout`: POST `/logout` or `req.oauth.logout()` ended a browser session. */
export interface OAuthLogoutPublishedEvent {
  /** The provider of the sign-in that ended; `undefined` when nobody was signed in. */
  readonly provider: string | undefined;
  /** Whether the provider's end-session endpoint is where the browser goes next. */
  readonly endSession: boolean;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** `express-oauth-rp:backchannel-logout`: a provider's logout token was handled. */
export interface OAuthBackchannelLogoutEvent {
  /** The configured provider name the route names. */
  readonly provider: string;
  /** Whether the logout token was accepted. */
  readonly outcome: 'success' | 'failure';
  /** The `OAuthError` code of a refused or failed logout token. */
  readonly code?: string;
  /** Sessions ended in the store (success only). */
  readonly sessions?: number;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** What a provider request was for. */
export type OAuthEndpointKind =
  | 'discovery'
  | 'jwks'
  | 'par'
  | 'token'
  | 'userinfo'
  | 'revocation'
  | 'introspection'
  | 'authorize'
  | 'other';

/** `express-oauth-rp:provider-request`: one HTTP request to a provider, after it ended. */
export interface OAuthProviderRequestEvent {
  /** The configured provider name. */
  readonly provider: string;
  /** What the request was for. */
  readonly endpoint: OAuthEndpointKind;
  /** e.g. `POST`. */
  readonly method: string;
  /** Origin and path, never the query: e.g. `https://login.example.com/oauth/token`. */
  readonly url: string;
  /** The HTTP status; `undefined` when no response came (`error` says why). */
  readonly status: number | undefined;
  /** Milliseconds from sending to the response headers (or the failure). */
  readonly durationMs: number;
  /** For a request without response: the error's `code` or name, e.g. `ECONNREFUSED`. */
  readonly error?: string;
  /** Providers per tenant: the tenant whose request this happened in. */
  readonly tenant?: string;
}

/** Every channel name, by event. */
export const OAUTH_CHANNELS = {
  /** A login redirected the browser to its provider. */
  loginStart: 'express-oauth-rp:login:start',
  /** A callback signed someone in. */
  loginSuccess: 'express-oauth-rp:login:success',
  /** Starting a login, or its callback, failed. */
  loginFailure: 'express-oauth-rp:login:failure',
  /** One refresh at the provider ended. */
  refresh: 'express-oauth-rp:refresh',
  /** A request waited for the refresh lock. */
  refreshLockWait: 'express-oauth-rp:refresh-lock:wait',
  /** A request gave up waiting for the refresh lock. */
  refreshLockTimeout: 'express-oauth-rp:refresh-lock:timeout',
  /** POST `/logout` ended a session. */
  logout: 'express-oauth-rp:logout',
  /** A provider's logout token was handled. */
  backchannelLogout: 'express-oauth-rp:backchannel-logout',
  /** One HTTP request to a provider ended. */
  providerRequest: 'express-oauth-rp:provider-request',
} as const;

/** The payload of each event, by the key of {@link OAUTH_CHANNELS}. */
export interface OAuthEventPayloads {
  /** {@link OAuthLoginStartEvent} */
  loginStart: OAuthLoginStartEvent;
  /** {@link OAuthLoginSuccessEvent} */
  loginSuccess: OAuthLoginSuccessEvent;
  /** {@link OAuthLoginFailureEvent} */
  loginFailure: OAuthLoginFailureEvent;
  /** {@link OAuthRefreshPublishedEvent} */
  refresh: OAuthRefreshPublishedEvent;
  /** {@link OAuthRefreshLockWaitEvent} */
  refreshLockWait: OAuthRefreshLockWaitEvent;
  /** {@link OAuthRefreshLockTimeoutEvent} */
  refreshLockTimeout: OAuthRefreshLockTimeoutEvent;
  /** {@link OAuthLogoutPublishedEvent} */
  logout: OAuthLogoutPublishedEvent;
  /** {@link OAuthBackchannelLogoutEvent} */
  backchannelLogout: OAuthBackchannelLogoutEvent;
  /** {@link OAuthProviderRequestEvent} */
  providerRequest: OAuthProviderRequestEvent;
}

/** An event's key in {@link OAUTH_CHANNELS}. */
export type OAuthEventName = keyof typeof OAUTH_CHANNELS;

const channels = Object.fromEntries(
  Object.entries(OAUTH_CHANNELS).map(([name, id]) => [name, channel(id)]),
) as Record<OAuthEventName, Channel>;

/** Publishes one event; nothing is built or sent when nobody subscribed. */
export function publish<K extends OAuthEventName>(
  name: K,
  payload: () => OAuthEventPayloads[K],
): void {
  const target = channels[name];
  if (!target.hasSubscribers) return;
  const tenant = currentTenant();
  target.publish(tenant === undefined ? payload() : { ...payload(), tenant });
}

/** Whether anyone listens to this event, for callers whose payload costs a clock read. */
export function isObserved(name: OAuthEventName): boolean {
  return channels[name].hasSubscribers;
}

/**
 * Subscribes to every event of the package (from every `oauthMiddleware()` in the process):
 * the listener receives the event's key and its payload. Returns the function that
 * unsubscribes. Subscribing to one channel by name with `diagnostics_channel.subscribe()` works
 * as well.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const log = pino();
 * subscribeOAuthEvents((event, payload) => log.info({ event, ...payload }, 'oauth event'));
 * ```
 * @see https://nodejs.org/api/diagnostics_channel.html
 */
export function subscribeOAuthEvents(
  listener: (event: OAuthEventName, payload: OAuthEventPayloads[OAuthEventName]) => void,
): () => void {
  const handlers = (Object.keys(OAUTH_CHANNELS) as OAuthEventName[]).map((name) => {
    const handler = (message: unknown): void => {
      listener(name, message as OAuthEventPayloads[OAuthEventName]);
    };
    subscribe(OAUTH_CHANNELS[name], handler);
    return () => unsubscribe(OAUTH_CHANNELS[name], handler);
  });
  return () => {
    for (const stop of handlers) stop();
  };
}

/** Origin and path of a URL: what events and spans may show of it. */
export function safeUrl(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
