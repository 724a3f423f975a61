// The OpenTelemetry SDK as an application sets it up, with in-memory exporters: a tracer provider
// whose finished spans are kept, a meter provider whose metrics are read on demand, and the
// AsyncLocalStorage context manager, so that a span made active around a request stays active
// through its promises.
import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** One data point of a metric: its attributes and its value (a sum, a gauge's value, or a histogram's count). */
export interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: number;
}

/** A metric as exported: its descriptor and points. */
export interface ExportedMetric {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly points: readonly Point[];
}

/** An SDK setup with in-memory exporters; `close()` shuts it down and disables the context manager. */
export function otelSdk() {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracer = tracerProvider.getTracer('test');

  return {
    tracerProvider,
    meterProvider,
    /** A tracer of the test's own spans (e.g. an HTTP server span). */
    tracer,
    /** The finished spans so far. */
    spans: (): ReadableSpan[] => spanExporter.getFinishedSpans(),
    /** Collects and exports the metrics now: every metric by name. */
    async metrics(): Promise<Map<string, ExportedMetric>> {
      metricExporter.reset();
      await reader.forceFlush();
      const exported = metricExporter.getMetrics().at(-1);
      const all = exported?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
      return new Map(
        all.map((metric) => [
          metric.descriptor.name,
          {
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            description: metric.descriptor.description,
            points: metric.dataPoints.map((point) => ({
              attributes: { ...point.attributes },
              value: typeof point.value === 'number' ? point.value : (point.value as { count: number }).count,
            })),
          },
        ]),
      );
    },
    /** Runs `work` with a new span active, as HTTP instrumentation runs a request; ends the span after. */
    async inSpan<T>(name: string, work: (span: Span) => T | Promise<T>): Promise<T> {
      const span = tracer.startSpan(name);
      try {
        return await context.with(trace.setSpan(context.active(), span), () => work(span));
      } finally {
        span.end();
      }
    },
    async close(): Promise<void> {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      context.disable();
    },
  };
}

/** The value of the point of `metric` whose attributes include `attributes` (0 when none). */
export function pointValue(metric: ExportedMetric | undefined, attributes: Record<string, unknown> = {}): number {
  const matching = metric?.points.filter((point) =>
    Object.entries(attributes).every(([name, value]) => point.attributes[name] === value),
  );
  return matching?.reduce((total, point) => total + point.value, 0) ?? 0;
}

/** Every attribute value of every span and metric point, as text, to search for secrets. */
export function everyAttributeValue(spans: readonly ReadableSpan[], metrics: Map<string, ExportedMetric>): string[] {
  const values = spans.flatMap((span) => [span.name, ...Object.values(span.attributes).map(String)]);
  for (const metric of metrics.values()) {
    for (const point of metric.points) values.push(...Object.entries(point.attributes).flat().map(String));
  }
  return values;
}
