/**
 * @keygate/core/otel: OpenTelemetry traces and metrics of keygate, for createKeygate's `telemetry`
 * option. Needs `@opentelemetry/api` (an optional peer dependency: nothing else of keygate loads it).
 */

/** The `keygate.*` attribute names of spans and metrics. */
export { ATTRIBUTES as TELEMETRY_ATTRIBUTES } from './otel/attributes.js';
/** OpenTelemetry for createKeygate's `telemetry` option. */
export { type OpenTelemetryOptions, openTelemetry } from './otel/telemetry.js';
