/**
 * OpenTelemetry for rx-beanstalk: `Beanstalk.connect(url, { telemetry: openTelemetry() })`.
 * This entry point is the only one that imports `@opentelemetry/api` (an optional peer
 * dependency); the core library neither loads nor needs it.
 */
import type { Attributes, MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Observable } from 'rxjs';
// Types of the main entry by the package's own name, so the published declarations of this
// entry point refer to those of `rx-beanstalk` instead of carrying copies of their own.
import type { Address, Beanstalk, ConnectionObserver, Job, Telemetry } from 'rx-beanstalk';
import { CommandObserver } from './command-observer.js';
import { Instruments } from './instruments.js';
import { processJob } from './process.js';
import { QueueDepth } from './queue-depth.js';
import type { QueueDepthOptions } from './queue-depth.js';

export type { QueueDepthOptions } from './queue-depth.js';
export { withTraceContext } from './trace-context.js';
export type { TraceContextFields } from './trace-context.js';

/** Where `openTelemetry()` reports, and what it reports beyond the defaults. */
export interface OpenTelemetryOptions {
  /** Default: the global one (`trace.getTracerProvider()`), which may be registered later. */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global one at the time `openTelemetry()` is called: register the SDK first. */
  readonly meterProvider?: MeterProvider;
  /** CLIENT spans for every other command too (reserve, peek, stats, kick, touch...). Default false: they are many. */
  readonly clientSpans?: boolean;
  /** The queue-depth gauge's tubes and polling, or false for none. Default: every tube, at most once a second. */
  readonly queueDepth?: QueueDepthOptions | false;
  /**
   * 'json': process spans link to the trace context a JSON job carries in `traceparent`
   * (see `withTraceContext`). Default 'none': bodies are never looked into.
   */
  readonly traceContext?: 'none' | 'json';
}

/**
 * Spans and metrics for every client given this object as `telemetry`, following the
 * OpenTelemetry messaging conventions (`messaging.system` = `beanstalkd`): a PRODUCER
 * span per put, a CONSUMER span per job `work()` handles, a CLIENT span per settle, and
 * the metrics listed in the README. With no SDK registered it costs next to nothing.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  const instruments = new Instruments(options.tracerProvider, options.meterProvider);
  const depth = options.queueDepth === false ? undefined : new QueueDepth(instruments, options.queueDepth ?? {});
  return {
    client(client: Beanstalk, address: Address): ConnectionObserver {
      const onState = (state: string, server: Attributes) => depth?.track(client, state, server);
      return new CommandObserver(instruments, address, options.clientSpans === true, onState, client.name);
    },
    processJob<E extends { readonly type: string }>(tube: string, job: Job, handling: Observable<E>): Observable<E> {
      return processJob(instruments, tube, job, handling, options.traceContext === 'json');
    },
  };
}
