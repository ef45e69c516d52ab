import { ProxyTracerProvider, ValueType, createNoopMeter, metrics, trace } from '@opentelemetry/api';
import type { Counter, Histogram, Meter, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { DURATION_BUCKETS } from './conventions.js';

const SCOPE = 'rx-beanstalk';
/** The API's no-op provider: what a ProxyTracerProvider delegates to until an SDK registers. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER_CLASS = createNoopMeter().constructor;

/**
 * The tracer and metric instruments one `openTelemetry()` reports to, and whether anybody
 * listens: with no SDK registered the hooks skip all work, so the client runs at full speed.
 */
export class Instruments {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** False when the meter is the API's no-op one (no MeterProvider registered). */
  readonly metering: boolean;
  readonly sent: Counter;
  readonly consumed: Counter;
  readonly settled: Counter;
  readonly processed: Counter;
  readonly reconnects: Counter;
  readonly operationDuration: Histogram;
  readonly processDuration: Histogram;
  private readonly proxy: ProxyTracerProvider | undefined;

  constructor(tracerProvider: TracerProvider | undefined, meterProvider: MeterProvider | undefined) {
    const tracers = tracerProvider ?? trace.getTracerProvider();
    this.proxy = tracers instanceof ProxyTracerProvider ? tracers : undefined;
    this.tracer = tracers.getTracer(SCOPE);
    this.meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
    this.metering = this.meter.constructor !== NOOP_METER_CLASS;
    const count = (name: string, description: string, unit = '{message}') =>
      this.meter.createCounter(name, { description, unit, valueType: ValueType.INT });
    const seconds = (name: string, description: string) =>
      this.meter.createHistogram(name, {
        description,
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      });
    this.sent = count('messaging.client.sent.messages', 'Jobs put (attempted), by tube.');
    this.consumed = count('messaging.client.consumed.messages', 'Jobs handed out by reserve.');
    this.settled = count('messaging.beanstalkd.client.settled.messages', 'Jobs deleted, released or buried.');
    this.processed = count('messaging.beanstalkd.processed.messages', 'Jobs the worker handled, by tube and outcome.');
    this.reconnects = count(
      'messaging.beanstalkd.client.reconnects',
      'Connections re-established after a loss.',
      '{reconnect}',
    );
    this.operationDuration = seconds('messaging.client.operation.duration', 'Put and settle round trips.');
    this.processDuration = seconds('messaging.process.duration', "The worker's handling of a job, to its settlement.");
  }

  /** False while the tracer is the API's proxy with no SDK behind it. */
  get tracing(): boolean {
    return this.proxy === undefined || this.proxy.getDelegate() !== NOOP_TRACER_PROVIDER;
  }
}
