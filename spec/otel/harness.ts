import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { Beanstalk } from '../../src/index.js';
import { openTelemetry } from '../../src/otel/index.js';
import type { OpenTelemetryOptions } from '../../src/otel/index.js';

/** Registers an AsyncLocalStorage context manager for the spec file, as an application would. */
export function useContextManager(): void {
  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());
}

/** A tracer and a meter that keep everything in memory, and a client reporting to them. */
export function setup(url: string, options: OpenTelemetryOptions = {}) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = openTelemetry({ tracerProvider, meterProvider, ...options });
  const bs = Beanstalk.connect(url, { name: 'otel', telemetry });
  /** Every metric as exported by a collection now. */
  const collect = async (): Promise<MetricData[]> => {
    exporter.reset();
    await reader.forceFlush();
    return exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  };
  return { spans, bs, collect, tracer: tracerProvider.getTracer('spec'), shutdown: () => meterProvider.shutdown() };
}

export const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
export const attrs = (span: ReadableSpan | undefined) => span?.attributes ?? {};
export const childOf = (child: ReadableSpan | undefined, parent: ReadableSpan | undefined) =>
  child?.parentSpanContext?.spanId === parent?.spanContext().spanId;

function points(metrics: MetricData[], name: string): DataPoint<number | Histogram>[] {
  return metrics
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]);
}
/** The value of a counter or gauge point (a histogram's count) whose attributes include `match`. */
export function value(metrics: MetricData[], name: string, match: Record<string, unknown>): number | undefined {
  const point = points(metrics, name).find((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
  if (!point) return undefined;
  return typeof point.value === 'number' ? point.value : point.value.count;
}
