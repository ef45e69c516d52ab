import { Subject, filter, firstValueFrom, lastValueFrom, switchMap, timer } from 'rxjs';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { work } from '../../src/index.js';
import { withTraceContext } from '../../src/otel/index.js';
import { rawJobStats } from '../helpers/raw.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';
import { attrs, byName, childOf, setup, useContextManager } from './harness.js';

describe('OpenTelemetry spans (rx-beanstalk/otel) against a real beanstalkd', () => {
  const ctx = useBeanstalkd();
  useContextManager();

  test('put → process → delete: a PRODUCER, a CONSUMER and a settle span with the conventions’ attributes', async () => {
    const { spans, bs, tracer, shutdown } = setup(ctx.server.url);
    const tube = freshTube('otel');
    try {
      const id = await firstValueFrom(bs.tube(tube).put('hello', { priority: 7, ttr: 30 }));
      let handlerSaw: string | undefined;
      const stop = new Subject<void>();
      const events = work({
        client: bs,
        tubes: {
          [tube]: async (job) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            // Active while the handler runs, across its awaits: the handler's own spans are children.
            tracer.startActiveSpan('send email', (span) => span.end());
            handlerSaw = trace.getActiveSpan() ? 'active' : 'none';
            return job.text();
          },
        },
        stop,
      });
      const succeeded = firstValueFrom(events.pipe(filter((e) => e.type === 'succeeded')));
      await succeeded;
      stop.next();
      expect(handlerSaw).toBe('active');

      const finished = spans.getFinishedSpans();
      const [put] = byName(finished, `put ${tube}`);
      const [process] = byName(finished, `process ${tube}`);
      const [settle] = byName(finished, `delete ${tube}`);
      const [inner] = byName(finished, 'send email');
      expect(put?.kind).toBe(SpanKind.PRODUCER);
      expect(attrs(put)).toMatchObject({
        'messaging.system': 'beanstalkd',
        'messaging.destination.name': tube,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'put',
        'messaging.message.id': String(id),
        'messaging.message.body.size': 5,
        'messaging.beanstalkd.job.priority': 7,
        'messaging.beanstalkd.job.ttr': 30,
        'server.address': '127.0.0.1',
        'server.port': ctx.server.port,
      });
      expect(process?.kind).toBe(SpanKind.CONSUMER);
      expect(attrs(process)).toMatchObject({
        'messaging.system': 'beanstalkd',
        'messaging.destination.name': tube,
        'messaging.operation.type': 'process',
        'messaging.message.id': String(id),
        'messaging.beanstalkd.job.outcome': 'succeeded',
      });
      expect(process?.status.code).toBe(SpanStatusCode.UNSET);
      expect(settle?.kind).toBe(SpanKind.CLIENT);
      expect(attrs(settle)).toMatchObject({
        'messaging.operation.type': 'settle',
        'messaging.operation.name': 'delete',
        'messaging.message.id': String(id),
        'messaging.destination.name': tube,
      });
      expect(childOf(settle, process)).toBe(true);
      expect(childOf(inner, process)).toBe(true);
      // Other commands (the reserve, stats) make no spans unless asked for.
      expect(finished.filter((s) => s.name.startsWith('reserve'))).toHaveLength(0);
      expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('a retry: the process span records the exception and the release delay; the job is delayed on the server', async () => {
    const { spans, bs, shutdown } = setup(ctx.server.url);
    const tube = freshTube('otel');
    try {
      const id = await firstValueFrom(bs.tube(tube).put('flaky'));
      const stop = new Subject<void>();
      const events = work({
        client: bs,
        tubes: {
          [tube]: () => {
            throw new TypeError('smtp down');
          },
        },
        backoff: () => 7,
        stop,
      });
      await firstValueFrom(events.pipe(filter((e) => e.type === 'retried')));
      stop.next();
      const finished = spans.getFinishedSpans();
      const [process] = byName(finished, `process ${tube}`);
      const [release] = byName(finished, `release ${tube}`);
      expect(attrs(process)).toMatchObject({
        'messaging.beanstalkd.job.outcome': 'retried',
        'messaging.beanstalkd.job.delay': 7,
        'error.type': 'TypeError',
      });
      expect(process?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'smtp down' });
      const exception = process?.events.find((e) => e.name === 'exception');
      expect(exception?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'smtp down' });
      expect(attrs(release)).toMatchObject({
        'messaging.operation.type': 'settle',
        'messaging.operation.name': 'release',
        'messaging.message.id': String(id),
        'messaging.beanstalkd.job.delay': 7,
      });
      expect(childOf(release, process)).toBe(true);
      expect((await rawJobStats(ctx.server.port, id))?.state).toBe('delayed');
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('a bury: outcome buried, a bury settle span, the job buried on the server', async () => {
    const { spans, bs, shutdown } = setup(ctx.server.url);
    const tube = freshTube('otel');
    try {
      const id = await firstValueFrom(bs.tube(tube).put('poison'));
      const stop = new Subject<void>();
      const events = work({
        client: bs,
        tubes: { [tube]: () => Promise.reject(new RangeError('bad input')) },
        maxAttempts: 1,
        stop,
      });
      await firstValueFrom(events.pipe(filter((e) => e.type === 'buried')));
      stop.next();
      const finished = spans.getFinishedSpans();
      const [process] = byName(finished, `process ${tube}`);
      const [bury] = byName(finished, `bury ${tube}`);
      expect(attrs(process)).toMatchObject({
        'messaging.beanstalkd.job.outcome': 'buried',
        'error.type': 'RangeError',
      });
      expect(process?.status.code).toBe(SpanStatusCode.ERROR);
      expect(attrs(bury)).toMatchObject({ 'messaging.operation.name': 'bury', 'messaging.message.id': String(id) });
      expect(childOf(bury, process)).toBe(true);
      expect((await rawJobStats(ctx.server.port, id))?.state).toBe('buried');
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('a handler still running when the grace period ends: outcome abandoned, the job back to ready', async () => {
    const { spans, bs, shutdown } = setup(ctx.server.url);
    const tube = freshTube('otel');
    try {
      const id = await firstValueFrom(bs.tube(tube).put('slow'));
      const stop = new Subject<void>();
      const events = work({
        client: bs,
        tubes: { [tube]: () => new Promise(() => undefined) },
        gracePeriodMs: 50,
        stop,
      });
      const ended = lastValueFrom(events, { defaultValue: undefined });
      await firstValueFrom(
        timer(0, 20).pipe(
          switchMap(() => rawJobStats(ctx.server.port, id)),
          filter((stats) => stats?.state === 'reserved'),
        ),
      );
      stop.next();
      await ended;
      const [process] = byName(spans.getFinishedSpans(), `process ${tube}`);
      expect(attrs(process)).toMatchObject({ 'messaging.beanstalkd.job.outcome': 'abandoned' });
      await firstValueFrom(
        timer(0, 20).pipe(
          switchMap(() => rawJobStats(ctx.server.port, id)),
          filter((stats) => stats?.state === 'ready'),
        ),
      );
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('trace context across the queue, opt-in: withTraceContext adds traceparent, the process span links to it', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const plain = setup(ctx.server.url);
    const linked = setup(ctx.server.url, { traceContext: 'json' });
    const tube = freshTube('otel');
    try {
      const checkout = plain.tracer.startSpan('checkout');
      const value = context.with(trace.setSpan(context.active(), checkout), () => withTraceContext({ to: 'a@b.c' }));
      checkout.end();
      expect(Object.keys(value).sort()).toEqual(['to', 'traceparent']);
      expect(value.traceparent).toBe(`00-${checkout.spanContext().traceId}-${checkout.spanContext().spanId}-01`);
      for (const client of [plain, linked]) {
        await firstValueFrom(client.bs.tube(tube).putJson(value));
        const stop = new Subject<void>();
        const events = work({ client: client.bs, tubes: { [tube]: (job) => job.json<{ to: string }>().to }, stop });
        await firstValueFrom(events.pipe(filter((e) => e.type === 'succeeded')));
        stop.next();
      }
      const [unlinked] = byName(plain.spans.getFinishedSpans(), `process ${tube}`);
      const [process] = byName(linked.spans.getFinishedSpans(), `process ${tube}`);
      expect(unlinked?.links).toEqual([]); // off by default: bodies are not looked into
      expect(process?.links.map((l) => l.context.spanId)).toEqual([checkout.spanContext().spanId]);
      expect(process?.links[0]?.context.traceId).toBe(checkout.spanContext().traceId);
      expect(process?.spanContext().traceId).not.toBe(checkout.spanContext().traceId); // a link, not the parent
    } finally {
      propagation.disable();
      await Promise.all([plain.bs.close(), linked.bs.close()]);
      await Promise.all([plain.shutdown(), linked.shutdown()]);
    }
  });

  test('clientSpans: CLIENT spans for other commands too, not for the library’s own stats polls', async () => {
    const { spans, bs, collect, shutdown } = setup(ctx.server.url, { clientSpans: true });
    const tube = freshTube('otel');
    try {
      await firstValueFrom(bs.tube(tube).put('x'));
      const job = await firstValueFrom(bs.watch(tube).reserveOne({ timeout: 1 }));
      await firstValueFrom(bs.tube(tube).stats());
      await lastValueFrom(job.delete(), { defaultValue: undefined });
      await collect(); // polls stats-tube for the gauge
      const names = spans.getFinishedSpans().map((s) => s.name);
      expect(names).toEqual([`put ${tube}`, `reserve ${tube}`, `stats-tube ${tube}`, 'delete']);
      const [reserve] = byName(spans.getFinishedSpans(), `reserve ${tube}`);
      expect(attrs(reserve)).toMatchObject({
        'messaging.operation.type': 'receive',
        'messaging.message.id': String(job.id),
      });
    } finally {
      await bs.close();
      await shutdown();
    }
  });
});
