import { Subject, filter, firstValueFrom } from 'rxjs';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Beanstalk, work } from '../../src/index.js';
import { openTelemetry } from '../../src/otel/index.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';
import { attrs, byName, childOf, useContextManager } from './harness.js';

describe('OpenTelemetry with a pool', () => {
  const ctx = useBeanstalkd();
  useContextManager();

  test("every server's client reports puts and settles, and work() over the pool makes process spans", async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const telemetry = openTelemetry({ tracerProvider, queueDepth: false });
    const pool = Beanstalk.pool([ctx.server.url], { name: 'pool', telemetry });
    const tube = freshTube('otel-pool');
    try {
      expect(pool.telemetry).toBe(telemetry);
      const ref = await firstValueFrom(pool.tube(tube).put('pooled'));
      const stop = new Subject<void>();
      const events = work({ client: pool, tubes: { [tube]: (job) => job.text() }, stop });
      await firstValueFrom(events.pipe(filter((e) => e.type === 'succeeded')));
      stop.next();
      const finished = spans.getFinishedSpans();
      const [put] = byName(finished, `put ${tube}`);
      const [process] = byName(finished, `process ${tube}`);
      const [settle] = byName(finished, `delete ${tube}`);
      expect(put?.kind).toBe(SpanKind.PRODUCER);
      expect(attrs(put)).toMatchObject({ 'messaging.message.id': String(ref.id), 'server.port': ctx.server.port });
      expect(attrs(process)).toMatchObject({
        'messaging.message.id': String(ref.id),
        'messaging.beanstalkd.job.outcome': 'succeeded',
      });
      expect(childOf(settle, process)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
