// Where openTelemetry() writes a request's keygate.* attributes: on the active span (the HTTP
// server span of the application's instrumentation), on a `keygate.authenticate` span of its own
// under it, or nowhere.
import { type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { AuthenticationReport } from '../telemetry/telemetry.js';

/** The span of one request's authentication. */
export interface AuthenticationSpans {
  /** The span to write `request`'s attributes on, if any. */
  of(request: unknown): Span | undefined;
  /** `request`'s authentication ended: its own span, if it has one, ends. */
  end(request: unknown, report: AuthenticationReport): void;
}

/** Attributes go on the span active when a hook runs. */
export const ACTIVE_SPAN: AuthenticationSpans = Object.freeze({
  of: () => trace.getActiveSpan(),
  end: () => {},
});

/** No spans: metrics only. */
export const NO_SPANS: AuthenticationSpans = Object.freeze({ of: () => undefined, end: () => {} });

/**
 * A `keygate.authenticate` span per request with a key, a child of the span active at its first
 * hook, ended by its last; a store or internal failure sets its status to error.
 */
export function childSpans(tracer: Tracer): AuthenticationSpans {
  const open = new WeakMap<object, Span>();
  return Object.freeze({
    of(request: unknown): Span | undefined {
      if (typeof request !== 'object' || request === null) return undefined;
      let span = open.get(request);
      if (span === undefined) {
        span = tracer.startSpan('keygate.authenticate', { kind: SpanKind.INTERNAL });
        open.set(request, span);
      }
      return span;
    },
    end(request: unknown, report: AuthenticationReport): void {
      if (typeof request !== 'object' || request === null) return;
      const span = open.get(request);
      if (span === undefined) return;
      open.delete(request);
      if (report.reason === 'unavailable' || report.reason === 'internal') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: report.reason });
      }
      span.end();
    },
  });
}
