import type * as OpenTelemetry from '@opentelemetry/api';
import type { ResolvedLogger } from '../options/logger.js';
import type { OAuthTelemetryOptions } from '../options/types.js';
import { subscribeOAuthEvents } from './events.js';
import type { OAuthEventName, OAuthEventPayloads } from './events.js';

/**
 * OpenTelemetry as a subscriber of the package's events: provider requests and the login steps
 * become spans, every event a metric, through `@opentelemetry/api` only (the application picks
 * its SDK and exporters). The API is an optional peer dependency, imported only when
 * `telemetry` is on, so the package loads without it.
 */

type Api = typeof OpenTelemetry;
type Attributes = OpenTelemetry.Attributes;

const SCOPE = 'express-oauth-rp';

/** Every metric, by name: what docs/operations.md lists. */
export const METRIC_NAMES = {
  logins: 'express_oauth_rp.logins',
  loginDuration: 'express_oauth_rp.login.duration',
  refreshes: 'express_oauth_rp.refreshes',
  refreshDuration: 'express_oauth_rp.refresh.duration',
  lockWaits: 'express_oauth_rp.refresh_lock.waits',
  logouts: 'express_oauth_rp.logouts',
  providerRequests: 'express_oauth_rp.provider.requests',
  providerRequestDuration: 'express_oauth_rp.provider.request.duration',
} as const;

/** The subscriptions already made, by tracer and meter provider, so two middlewares count once. */
const active = new Map<unknown, Map<unknown, () => void>>();

function seconds(ms: number): number {
  return ms / 1000;
}

/** Wires the events to spans and metrics; returns the function that stops it. */
export function instrument(api: Api, options: OAuthTelemetryOptions): () => void {
  const tracerProvider =
    (options.tracerProvider as OpenTelemetry.TracerProvider | undefined) ??
    api.trace.getTracerProvider();
  const meterProvider =
    (options.meterProvider as OpenTelemetry.MeterProvider | undefined) ??
    api.metrics.getMeterProvider();
  const existing = active.get(tracerProvider)?.get(meterProvider);
  if (existing !== undefined) return existing;
  const tracer = tracerProvider.getTracer(SCOPE);
  const meter = meterProvider.getMeter(SCOPE);
  const counter = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{event}' });
  const histogram = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's' });
  const m = {
    logins: counter(METRIC_NAMES.logins, 'Logins started, succeeded and failed'),
    loginDuration: histogram(METRIC_NAMES.loginDuration, 'Duration of each login step'),
    refreshes: counter(METRIC_NAMES.refreshes, 'Token refreshes at the provider'),
    refreshDuration: histogram(METRIC_NAMES.refreshDuration, 'Duration of token refreshes'),
    lockWaits: counter(METRIC_NAMES.lockWaits, 'Requests that waited for the refresh lock'),
    logouts: counter(METRIC_NAMES.logouts, 'Logouts, by the app and by back-channel'),
    providerRequests: counter(METRIC_NAMES.providerRequests, 'HTTP requests to providers'),
    providerRequestDuration: histogram(
      METRIC_NAMES.providerRequestDuration,
      'Duration of HTTP requests to providers',
    ),
  };

  /** A span for a step that already ended, `durationMs` long, in the caller's context. */
  function endedSpan(
    name: string,
    durationMs: number,
    attributes: Attributes,
    kind: OpenTelemetry.SpanKind,
    failure: string | undefined,
  ): void {
    const end = performance.timeOrigin + performance.now();
    const span = tracer.startSpan(
      `${SCOPE} ${name}`,
      { kind, attributes, startTime: end - durationMs },
      api.context.active(),
    );
    if (failure !== undefined) {
      span.setAttribute('error.type', failure);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure });
    }
    span.end(end);
  }

  const INTERNAL = api.SpanKind.INTERNAL;
  const handlers: { [K in OAuthEventName]: (event: OAuthEventPayloads[K]) => void } = {
    loginStart(event) {
      const attributes = { 'oauth.provider': event.provider, 'oauth.silent': event.silent };
      m.logins.add(1, { ...attributes, 'oauth.outcome': 'started' });
      const step = {
        'oauth.provider': event.provider,
        'oauth.step': 'start',
        'oauth.outcome': 'success',
      };
      m.loginDuration.record(seconds(event.durationMs), step);
      endedSpan('login.start', event.durationMs, attributes, INTERNAL, undefined);
    },
    loginSuccess(event) {
      const attributes = { 'oauth.provider': event.provider };
      m.logins.add(1, { ...attributes, 'oauth.outcome': 'success' });
      m.loginDuration.record(seconds(event.durationMs), {
        ...attributes,
        'oauth.step': 'callback',
        'oauth.outcome': 'success',
      });
      endedSpan('login.callback', event.durationMs, attributes, INTERNAL, undefined);
    },
    loginFailure(event) {
      const attributes = { 'oauth.provider': event.provider, 'oauth.step': event.step };
      m.logins.add(1, { ...attributes, 'oauth.outcome': 'failure', 'error.type': event.code });
      m.loginDuration.record(seconds(event.durationMs), {
        ...attributes,
        'oauth.outcome': 'failure',
      });
      endedSpan(`login.${event.step}`, event.durationMs, attributes, INTERNAL, event.code);
    },
    refresh(event) {
      const attributes: Attributes = {
        'oauth.provider': event.provider,
        'oauth.outcome': event.outcome,
        ...(event.code === undefined ? {} : { 'error.type': event.code }),
      };
      m.refreshes.add(1, attributes);
      m.refreshDuration.record(seconds(event.durationMs), attributes);
      endedSpan(
        'refresh',
        event.durationMs,
        { 'oauth.provider': event.provider },
        INTERNAL,
        event.code,
      );
    },
    refreshLockWait(event) {
      m.lockWaits.add(1, { 'oauth.provider': event.provider, 'oauth.outcome': 'waited' });
    },
    refreshLockTimeout(event) {
      m.lockWaits.add(1, { 'oauth.provider': event.provider, 'oauth.outcome': 'timeout' });
    },
    logout(event) {
      m.logouts.add(1, {
        'oauth.provider': event.provider ?? 'none',
        'oauth.logout.kind': 'rp',
        'oauth.outcome': 'success',
      });
    },
    backchannelLogout(event) {
      m.logouts.add(1, {
        'oauth.provider': event.provider,
        'oauth.logout.kind': 'backchannel',
        'oauth.outcome': event.outcome,
        ...(event.code === undefined ? {} : { 'error.type': event.code }),
      });
    },
    providerRequest(event) {
      const url = new URL(event.url);
      const attributes: Attributes = {
        'oauth.provider': event.provider,
        'oauth.endpoint': event.endpoint,
        'http.request.method': event.method,
        ...(event.status === undefined ? {} : { 'http.response.status_code': event.status }),
        ...(event.error === undefined ? {} : { 'error.type': event.error }),
      };
      m.providerRequests.add(1, attributes);
      m.providerRequestDuration.record(seconds(event.durationMs), attributes);
      const failure =
        event.error ??
        (event.status !== undefined && event.status >= 400 ? String(event.status) : undefined);
      endedSpan(
        event.endpoint,
        event.durationMs,
        {
          ...attributes,
          'url.full': event.url,
          'server.address': url.hostname,
          'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        },
        api.SpanKind.CLIENT,
        failure,
      );
    },
  };
  const unsubscribe = subscribeOAuthEvents((name, payload) => {
    try {
      (handlers[name] as (event: typeof payload) => void)(payload);
    } catch {
      // A failing SDK must never fail a login: diagnostics_channel would rethrow it uncaught.
    }
  });
  const stop = () => {
    unsubscribe();
    active.get(tracerProvider)?.delete(meterProvider);
  };
  if (!active.has(tracerProvider)) active.set(tracerProvider, new Map());
  active.get(tracerProvider)?.set(meterProvider, stop);
  return stop;
}

/**
 * Turns telemetry on once `@opentelemetry/api` is imported; without it, says so through the
 * logger and leaves everything else working. `load` is the import, replaceable in tests.
 */
export async function enableTelemetry(
  options: OAuthTelemetryOptions,
  logger: ResolvedLogger,
  load: () => Promise<Api> = () => import('@opentelemetry/api'),
): Promise<(() => void) | undefined> {
  let api: Api;
  try {
    api = await load();
  } catch {
    logger.warn(
      '"telemetry" is on, but @opentelemetry/api could not be loaded; install it (npm install @opentelemetry/api) with the OpenTelemetry SDK of your choice',
    );
    return undefined;
  }
  return instrument(api, options);
}
