import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { type OptionChecks, optionChecks, optionNames } from '../options.js';
import type { AuthenticationReport, KeygateTelemetry } from '../telemetry/telemetry.js';
import { ATTRIBUTES } from './attributes.js';
import { createInstruments } from './instruments.js';
import { ACTIVE_SPAN, type AuthenticationSpans, childSpans, NO_SPANS } from './spans.js';

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** Makes the meter of keygate's metrics. Default: the global one (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** Makes the tracer of `spans: 'child'`. Default: the global one (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /**
   * Where each authentication's `keygate.*` attributes go: `active`, on the active span (the HTTP
   * server span of your instrumentation); `child`, on a `keygate.authenticate` span of its own
   * under it; `none`, nowhere (metrics only). Default `active`.
   */
  spans?: 'active' | 'child' | 'none';
}

const check: OptionChecks = optionChecks('openTelemetry()');
const NAMES = optionNames<OpenTelemetryOptions>({ meterProvider: true, tracerProvider: true, spans: true });
/** The instrumentation scope of keygate's tracer and meter. */
const SCOPE = '@keygate/core';

/**
 * Telemetry for createKeygate's `telemetry` option over the OpenTelemetry API: `keygate.*`
 * attributes per authentication (key id, owner, outcome, reason, cache hit or miss, rate-limit
 * decision; never the key) and metrics (verifications, cache lookups, KDF queue depth and wait,
 * rate-limit decisions, unavailable stores, credits spent). Options are checked here, once.
 *
 * @example
 * ```ts
 * import { openTelemetry } from '@keygate/core/otel';
 *
 * const keygate = createKeygate({ store, telemetry: openTelemetry() }); // the global providers of your SDK setup
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): KeygateTelemetry {
  check.object(undefined, options, NAMES);
  const mode = check.oneOf('spans', options.spans, ['active', 'child', 'none'], 'active');
  const meterProvider = provider<MeterProvider>('meterProvider', options.meterProvider, 'getMeter');
  const tracerProvider = provider<TracerProvider>('tracerProvider', options.tracerProvider, 'getTracer');
  const instruments = createInstruments((meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE));
  const spans: AuthenticationSpans =
    mode === 'none'
      ? NO_SPANS
      : mode === 'active'
        ? ACTIVE_SPAN
        : childSpans((tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE));
  return Object.freeze({
    bind: instruments.bind,
    cache(request: unknown, hit: boolean): void {
      instruments.cache(hit);
      spans.of(request)?.setAttribute(ATTRIBUTES.cache, hit ? 'hit' : 'miss');
    },
    rateLimit(request: unknown, verdict: Parameters<KeygateTelemetry['rateLimit']>[1]): void {
      instruments.rateLimit(verdict);
      spans.of(request)?.setAttribute(ATTRIBUTES.rateLimit, verdict);
    },
    authenticated(request: unknown, report: AuthenticationReport): void {
      instruments.verification(report);
      spans.of(request)?.setAttributes(spanAttributes(report));
      spans.end(request, report);
    },
    kdfWait: instruments.kdfWait,
    storeUnavailable: instruments.storeUnavailable,
    creditsSpent(allowance: 'owner' | 'key', credits: number): void {
      instruments.creditsSpent(allowance, credits);
      // After authentication: a `child` span has ended, the request's own span is still active.
      if (mode !== 'none') trace.getActiveSpan()?.setAttribute(ATTRIBUTES.creditsSpent, credits);
    },
  });
}

// The public facts of a report, as span attributes.
function spanAttributes({ outcome, reason, keyId, owner }: AuthenticationReport): Record<string, string> {
  const attributes: Record<string, string> = { [ATTRIBUTES.outcome]: outcome };
  if (reason !== undefined) attributes[ATTRIBUTES.reason] = reason;
  if (keyId !== null) attributes[ATTRIBUTES.keyId] = keyId;
  if (owner !== null) attributes[ATTRIBUTES.owner] = owner;
  return attributes;
}

// A provider option: undefined, or an object with its factory method.
function provider<P>(name: string, value: unknown, method: string): P | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    check.fail(`\`${name}\` must be an OpenTelemetry ${name.replace('P', ' p')} (with ${method}()).`, name);
  }
  return value as P;
}
