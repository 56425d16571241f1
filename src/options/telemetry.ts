import { invalid, isRecord, rejectUnknownKeys } from './readers.js';
import type { OAuthTelemetryOptions } from './types.js';

const TELEMETRY_KEYS = [
  'tracerProvider',
  'meterProvider',
] as const satisfies readonly (keyof OAuthTelemetryOptions)[];

/** `telemetry`: off by default, `true` for the global providers, or the providers to use. */
export function readTelemetry(value: unknown): OAuthTelemetryOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (!isRecord(value)) {
    throw invalid('telemetry', 'a boolean, or an object { tracerProvider, meterProvider }');
  }
  rejectUnknownKeys(value, TELEMETRY_KEYS, 'telemetry.');
  const { tracerProvider, meterProvider } = value;
  if (
    tracerProvider !== undefined &&
    (!isRecord(tracerProvider) || typeof tracerProvider.getTracer !== 'function')
  ) {
    throw invalid('telemetry.tracerProvider', 'an OpenTelemetry TracerProvider (with getTracer())');
  }
  if (
    meterProvider !== undefined &&
    (!isRecord(meterProvider) || typeof meterProvider.getMeter !== 'function')
  ) {
    throw invalid('telemetry.meterProvider', 'an OpenTelemetry MeterProvider (with getMeter())');
  }
  return value as OAuthTelemetryOptions;
}
