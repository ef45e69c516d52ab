/**
 * rx-beanstalk with OpenTelemetry: metrics for Prometheus on http://127.0.0.1:9464/metrics,
 * traces printed to the console. A producer puts a few jobs into "emails"; a worker
 * handles them, burying the ones it cannot send.
 *
 * In your own code import from 'rx-beanstalk' and 'rx-beanstalk/otel'; this file imports
 * the sources so the project's specs can run it (spec/otel/example.spec.ts). Run it with
 * any TypeScript runner, against a beanstalkd of your own:
 *   BEANSTALK_URL=beanstalk://127.0.0.1:11300 npx tsx examples/otel-prometheus.ts
 */
import { Subject, filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Beanstalk, work } from '../src/index.js'; // 'rx-beanstalk'
import { openTelemetry } from '../src/otel/index.js'; // 'rx-beanstalk/otel'

export interface ExampleOptions {
  /** The beanstalkd to use. */
  readonly url: string;
  /** Where Prometheus scrapes, on 127.0.0.1. */
  readonly metricsPort: number;
  /** Jobs to put; every third one cannot be sent and is buried. */
  readonly jobs: number;
}

/** Runs the example until every job is handled; resolves with where the metrics are and how to stop. */
export async function runExample(options: ExampleOptions) {
  // The SDK first: a context manager (so the handler runs inside its job's span), a tracer
  // provider printing finished spans, and a meter provider Prometheus reads.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  const prometheus = new PrometheusExporter({ host: '127.0.0.1', port: options.metricsPort });
  const meterProvider = new MeterProvider({ readers: [prometheus] });

  // Then the client, with the instrumentation: spans and metrics for everything it does.
  const telemetry = openTelemetry({ tracerProvider, meterProvider, queueDepth: { tubes: ['emails'] } });
  const bs = Beanstalk.connect(options.url, { name: 'mailer', telemetry });

  for (let n = 1; n <= options.jobs; n++) {
    await firstValueFrom(bs.tube('emails').putJson({ to: `user${n}@example.com`, bad: n % 3 === 0 }));
  }
  const stop = new Subject<void>();
  const handled = lastValueFrom(
    work({
      client: bs,
      tubes: {
        emails: async (job) => {
          const mail = job.json<{ to: string; bad: boolean }>();
          await new Promise((resolve) => setTimeout(resolve, 10)); // "sending"
          if (mail.bad) throw new Error(`cannot send to ${mail.to}`);
        },
      },
      maxAttempts: 1,
      stop,
    }).pipe(
      filter((event) => event.type === 'succeeded' || event.type === 'buried'),
      take(options.jobs),
      toArray(),
    ),
  );
  const events = await handled;
  stop.next();
  return {
    events,
    metricsUrl: `http://127.0.0.1:${options.metricsPort}/metrics`,
    async close() {
      await bs.close();
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      context.disable();
    },
  };
}

if (require.main === module) {
  runExample({
    url: process.env.BEANSTALK_URL ?? 'beanstalk://127.0.0.1:11300',
    metricsPort: Number(process.env.METRICS_PORT ?? 9464),
    jobs: 9,
  }).then(
    (example) => {
      console.log(`all jobs handled; metrics on ${example.metricsUrl} until Ctrl-C`);
      process.once('SIGINT', () => void example.close());
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
