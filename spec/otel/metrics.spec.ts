import { BehaviorSubject, Subject, filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { SpanStatusCode } from '@opentelemetry/api';
import { Beanstalk, work } from '../../src/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';
import { attrs, byName, setup, useContextManager, value } from './harness.js';

describe('OpenTelemetry metrics (rx-beanstalk/otel) against a real beanstalkd', () => {
  const ctx = useBeanstalkd();
  useContextManager();

  test('metric values after a known run: puts, jobs by outcome, settles, durations, queue depth', async () => {
    const { bs, collect, shutdown } = setup(ctx.server.url);
    const [tube, idle] = [freshTube('otel'), freshTube('otel')];
    try {
      for (const body of ['ok', 'ok', 'fail']) await firstValueFrom(bs.tube(tube).put(body));
      await firstValueFrom(bs.tube(idle).put('waits'));
      const stop = new Subject<void>();
      const handled = lastValueFrom(
        work({
          client: bs,
          tubes: { [tube]: (job) => (job.text() === 'fail' ? Promise.reject(new Error('no')) : 'done') },
          maxAttempts: 1,
          stop,
        }).pipe(
          filter((e) => e.type === 'succeeded' || e.type === 'buried'),
          take(3),
          toArray(),
        ),
      );
      expect(await handled).toHaveLength(3);
      stop.next();
      const metrics = await collect();
      const put = { 'messaging.destination.name': tube, 'messaging.operation.name': 'put' };
      expect(value(metrics, 'messaging.client.sent.messages', put)).toBe(3);
      expect(value(metrics, 'messaging.client.sent.messages', { 'messaging.destination.name': idle })).toBe(1);
      expect(value(metrics, 'messaging.client.operation.duration', put)).toBe(3); // histogram count
      expect(value(metrics, 'messaging.client.consumed.messages', { 'messaging.destination.name': tube })).toBe(3);
      const outcome = (o: string) => ({ 'messaging.destination.name': tube, 'messaging.beanstalkd.job.outcome': o });
      expect(value(metrics, 'messaging.beanstalkd.processed.messages', outcome('succeeded'))).toBe(2);
      expect(value(metrics, 'messaging.beanstalkd.processed.messages', outcome('buried'))).toBe(1);
      expect(value(metrics, 'messaging.process.duration', outcome('succeeded'))).toBe(2);
      expect(value(metrics, 'messaging.process.duration', { ...outcome('buried'), 'error.type': 'Error' })).toBe(1);
      const settled = (op: string) => ({ 'messaging.destination.name': tube, 'messaging.operation.name': op });
      expect(value(metrics, 'messaging.beanstalkd.client.settled.messages', settled('delete'))).toBe(2);
      expect(value(metrics, 'messaging.beanstalkd.client.settled.messages', settled('bury'))).toBe(1);
      const depth = (t: string, state: string) =>
        value(metrics, 'messaging.beanstalkd.queue.depth', {
          'messaging.destination.name': t,
          'messaging.beanstalkd.job.state': state,
        });
      expect(depth(tube, 'buried')).toBe(1);
      expect(depth(tube, 'ready')).toBe(0);
      expect(depth(idle, 'ready')).toBe(1);
      expect(depth(idle, 'reserved')).toBe(0);
      const server = { 'server.address': '127.0.0.1', 'server.port': ctx.server.port };
      expect(
        value(metrics, 'messaging.beanstalkd.queue.depth', { ...server, 'messaging.destination.name': idle }),
      ).toBe(1);
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('queue depth from snapshots given instead of polls (the shape monitor() emits)', async () => {
    const tube = freshTube('otel');
    const probe = Beanstalk.connect(ctx.server.url);
    await firstValueFrom(probe.tube(tube).put('one'));
    await firstValueFrom(probe.tube(tube).put('two', { delay: 60 }));
    const stats = await firstValueFrom(probe.tube(tube).stats());
    await probe.close();
    const snapshots = new BehaviorSubject({ tubes: [{ name: tube, stats }] });
    const { bs, collect, shutdown } = setup(ctx.server.url, { queueDepth: { snapshots } });
    try {
      await firstValueFrom(bs.listTubes()); // connected: it would be polled, were it not for the snapshots
      const depth = (metrics: MetricData[], state: string) =>
        value(metrics, 'messaging.beanstalkd.queue.depth', {
          'messaging.destination.name': tube,
          'messaging.beanstalkd.job.state': state,
        });
      const first = await collect();
      expect([depth(first, 'ready'), depth(first, 'delayed'), depth(first, 'buried')]).toEqual([1, 1, 0]);
      snapshots.next({ tubes: [{ name: tube, stats: { ...stats, currentJobsReady: 5 } }] });
      expect(depth(await collect(), 'ready')).toBe(5);
      expect(snapshots.observed).toBe(true);
    } finally {
      await bs.close();
      await shutdown();
    }
  });

  test('reconnects are counted', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: ctx.server.port } });
    const { bs, collect, shutdown } = setup(proxy.url, {});
    try {
      await firstValueFrom(bs.listTubes());
      proxy.cutAll();
      await firstValueFrom(bs.state$.pipe(filter((s) => s === 'reconnecting')));
      await firstValueFrom(bs.state$.pipe(filter((s) => s === 'connected')));
      await firstValueFrom(bs.listTubes());
      expect(value(await collect(), 'messaging.beanstalkd.client.reconnects', { 'server.port': proxy.port })).toBe(1);
    } finally {
      await bs.close();
      await shutdown();
      await proxy.close();
    }
  });
});

describe('OpenTelemetry: a put the server refuses', () => {
  const ctx = useBeanstalkd({ maxJobSize: 8 });

  test('the put span fails with the error class as error.type, and the put is counted with it', async () => {
    const { spans, bs, collect, shutdown } = setup(ctx.server.url);
    const tube = freshTube('otel');
    try {
      await expect(firstValueFrom(bs.tube(tube).put('more than eight bytes'))).rejects.toThrow('JOB_TOO_BIG');
      const [put] = byName(spans.getFinishedSpans(), `put ${tube}`);
      expect(put?.status.code).toBe(SpanStatusCode.ERROR);
      expect(attrs(put)).toMatchObject({ 'error.type': 'JobTooBigError' });
      expect(attrs(put)['messaging.message.id']).toBeUndefined();
      const failed = { 'messaging.destination.name': tube, 'error.type': 'JobTooBigError' };
      expect(value(await collect(), 'messaging.client.sent.messages', failed)).toBe(1);
    } finally {
      await bs.close();
      await shutdown();
    }
  });
});
