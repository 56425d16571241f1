import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableTelemetry } from '../../src/observability/opentelemetry.js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { browser, loginThroughProvider } from '../helpers/login.js';
import { startTestProvider, TEST_CLIENT } from '../helpers/oidc-provider.js';
import type { TestProvider } from '../helpers/oidc-provider.js';

describe('telemetry with the OpenTelemetry SDK', () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  let op: TestProvider;
  let app: TestApp;

  beforeAll(async () => {
    op = await startTestProvider();
    app = await startTestApp({
      oauth: () => ({
        issuer: op.issuer,
        clientId: TEST_CLIENT.client_id,
        clientSecret: TEST_CLIENT.client_secret,
        telemetry: { tracerProvider, meterProvider },
      }),
    });
    await op.setClient({ ...TEST_CLIENT, redirect_uris: [`${app.url}/callback`] });
    // ready() waits for the lazy import of @opentelemetry/api, too.
    await app.router.ready();
  });

  afterAll(async () => {
    await app.close();
    await op.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });

  async function metric(name: string) {
    await reader.forceFlush();
    const batches = metricExporter.getMetrics();
    const all = batches.at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    return all.find((m) => m.descriptor.name === name);
  }

  it('makes spans of the login steps and of every provider request', async () => {
    await loginThroughProvider(browser(app.url));
    await browser(app.url).get('/callback?state=forged&code=forged').expect(400);
    const names = spans.getFinishedSpans().map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'express-oauth-rp discovery',
        'express-oauth-rp login.start',
        'express-oauth-rp token',
        'express-oauth-rp jwks',
        'express-oauth-rp login.callback',
      ]),
    );
    const token = spans.getFinishedSpans().find((s) => s.name === 'express-oauth-rp token');
    expect(token?.attributes).toMatchObject({
      'oauth.provider': 'default',
      'oauth.endpoint': 'token',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.full': `${op.issuer}/token`,
    });
    const failed = spans
      .getFinishedSpans()
      .find((s) => s.name === 'express-oauth-rp login.callback' && s.status.code === 2);
    expect(failed?.attributes['error.type']).toBe('OAUTH_NO_TRANSACTION');
  });

  it('counts logins by outcome, code and provider, and records request durations', async () => {
    const logins = await metric('express_oauth_rp.logins');
    const points = logins?.dataPoints.map((p) => ({ ...p.attributes, value: p.value }));
    expect(points).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          'oauth.outcome': 'success',
          'oauth.provider': 'default',
          value: 1,
        }),
        expect.objectContaining({
          'oauth.outcome': 'failure',
          'error.type': 'OAUTH_NO_TRANSACTION',
          value: 1,
        }),
      ]),
    );
    const durations = await metric('express_oauth_rp.provider.request.duration');
    expect(durations?.descriptor.unit).toBe('s');
    const endpoints = durations?.dataPoints.map((p) => p.attributes['oauth.endpoint']);
    expect(endpoints).toEqual(expect.arrayContaining(['discovery', 'token', 'jwks']));
  });

  it('logs a warning and keeps working when @opentelemetry/api cannot be loaded', async () => {
    const warnings: string[] = [];
    const stop = await enableTelemetry(
      {},
      { warn: (message) => warnings.push(message), error() {} },
      () => Promise.reject(new Error("Cannot find package '@opentelemetry/api'")),
    );
    expect(stop).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('npm install @opentelemetry/api')]);
  });
});
