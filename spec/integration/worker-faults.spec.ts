import { Subject, filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { Beanstalk, InvalidArgumentError, work } from '../../src/index.js';
import type { HandlerContext, WorkerEvent } from '../../src/index.js';
import { within } from '../helpers/bounded.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { failure, freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/raw-socket.js';

// A handler that takes the context gets its stats read first; one that does not starts at once.
const failingHandlers = (calls: number[]) => ({
  'with the context': (_job: unknown, { attempt }: HandlerContext) => {
    calls.push(attempt);
    throw new Error('always fails');
  },
  'without the context': () => {
    calls.push(calls.length + 1);
    throw new Error('always fails');
  },
});

// Issue 15's worker faults (each of these failed before the fix) and issue 18's handler context.
describe('the worker keeps going whatever a settle does', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'worker-faults' });
  });
  afterEach(() => bs.close());

  const jobStats = (id: number) => rawJobStats(ctx.server.port, id);
  const collect = (events: ReturnType<typeof work>, until: (e: WorkerEvent) => boolean) =>
    within(lastValueFrom(events.pipe(filter(until), take(1))), 10000, 'worker event');

  test('a backoff of 0.4 s is rounded (the release used to fail unsent and stall the lane)', async () => {
    const tube = freshTube();
    const id = await bs.tube(tube).put('flaky');
    let calls = 0;
    const events: WorkerEvent[] = [];
    const worker = work({
      client: bs,
      tubes: {
        [tube]: () => {
          if (++calls === 1) throw new Error('first try fails');
        },
      },
      backoff: () => 0.4,
    });
    await collect(worker, (e) => (events.push(e), e.type === 'succeeded'));
    expect(events.map((e) => e.type)).toEqual(['reserved', 'failed', 'retried', 'reserved', 'succeeded']);
    expect(events.find((e) => e.type === 'retried')).toMatchObject({ delay: 0 });
    expect(await jobStats(id)).toBeUndefined();
  });

  test('a backoff that is not a number: settle-failed, the job is released at once and the lane moves on', async () => {
    const tube = freshTube();
    const id = await bs.tube(tube).put('flaky', { priority: 33 });
    const contexts: HandlerContext[] = [];
    const events: WorkerEvent[] = [];
    const worker = work({
      client: bs,
      tubes: {
        [tube]: (job, context) => {
          contexts.push(context);
          if (context.attempt === 1) throw new Error('first try fails');
        },
      },
      backoff: () => NaN,
    });
    await collect(worker, (e) => (events.push(e), e.type === 'succeeded'));
    expect(events.map((e) => e.type)).toEqual(['reserved', 'failed', 'settle-failed', 'reserved', 'succeeded']);
    const settleFailed = events.find((e) => e.type === 'settle-failed');
    expect(settleFailed?.type === 'settle-failed' && settleFailed.error).toBeInstanceOf(InvalidArgumentError);
    expect(contexts.map((c) => [c.tube, c.attempt])).toEqual([
      [tube, 1],
      [tube, 2],
    ]);
    expect(await jobStats(id)).toBeUndefined();
  });

  test('bad numeric options fail work() at once with InvalidArgumentError', async () => {
    const tubes = { [freshTube()]: () => undefined };
    for (const bad of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { maxAttempts: 0 },
      { releasePriority: -1 },
      { buryPriority: 2 ** 32 },
      { gracePeriodMs: NaN },
    ]) {
      expect(await failure(work({ client: bs, tubes, ...bad }))).toBeInstanceOf(InvalidArgumentError);
    }
  });

  test.each(['with the context', 'without the context'] as const)(
    'a job kicked after it was buried gets a fresh set of attempts (handler %s)',
    async (shape) => {
      const tube = freshTube();
      const id = await bs.tube(tube).put('doomed');
      const calls: number[] = [];
      const worker = work({
        client: bs,
        tubes: { [tube]: failingHandlers(calls)[shape] },
        maxAttempts: 2,
        backoff: () => 0,
      });
      const buried = lastValueFrom(
        worker.pipe(
          filter((e) => e.type === 'buried'),
          take(2),
          toArray(),
        ),
      );
      await eventually(async () => (await jobStats(id))?.state === 'buried', 5000, 'first bury');
      expect(await jobStats(id)).toMatchObject({ releases: '1', buries: '1' });
      await bs.kickJob(id);
      const events = await within(buried, 5000, 'second bury');
      expect(calls).toHaveLength(4);
      if (shape === 'with the context') expect(calls).toEqual([1, 2, 1, 2]);
      expect(events).toHaveLength(2);
      expect(await jobStats(id)).toMatchObject({ state: 'buried', releases: '2', buries: '2', kicks: '1' });
    },
  );

  test('only a handler that takes the context waits for a stats-job before it starts', async () => {
    const statsJobs = () => rawCounter(ctx.server.port, 'cmd-stats-job');
    const run = async (handler: (job: unknown, context: HandlerContext) => unknown) => {
      const tube = freshTube();
      for (let i = 0; i < 5; i++) await bs.tube(tube).put(`j${i}`);
      const before = await statsJobs();
      const worker = work({ client: bs, tubes: { [tube]: handler } });
      await within(
        lastValueFrom(
          worker.pipe(
            filter((e) => e.type === 'succeeded'),
            take(5),
          ),
        ),
        5000,
        'five jobs',
      );
      return (await statsJobs()) - before;
    };
    expect(await run(() => 'fast')).toBe(0);
    expect(await run((_job, context) => context.attempt)).toBe(5);
  });

  test('jobs still running when the grace period ends: abandoned event, aborted signal, job back to ready', async () => {
    const tube = freshTube();
    const id = await bs.tube(tube).put('slow');
    const stop = new Subject<void>();
    let seen: AbortSignal | undefined;
    const events = lastValueFrom(
      work({
        client: bs,
        stop,
        gracePeriodMs: 200,
        tubes: {
          [tube]: (_job, { signal }) => {
            seen = signal;
            return new Promise((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason as Error)),
            );
          },
        },
      }).pipe(toArray()),
    );
    await eventually(() => seen !== undefined, 3000, 'handler started');
    stop.next();
    const list = await within(events, 3000, 'worker completes after the grace period');
    expect(list.map((e) => e.type)).toEqual(['reserved', 'abandoned']);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ name: 'AbortError' });
    await eventually(async () => (await jobStats(id))?.state === 'ready', 3000, 'job ready again');
  });

  test('work({ signal }) is a graceful stop: the running job still finishes and is deleted', async () => {
    const tube = freshTube();
    const id = await bs.tube(tube).put('x');
    const controller = new AbortController();
    let started = false;
    const events = lastValueFrom(
      work({
        client: bs,
        signal: controller.signal,
        tubes: {
          [tube]: async () => {
            started = true;
            await sleep(200);
          },
        },
      }).pipe(toArray()),
    );
    await eventually(() => started, 3000, 'handler started');
    controller.abort();
    const list = await within(events, 3000, 'worker completes');
    expect(list.map((e) => e.type)).toEqual(['reserved', 'succeeded']);
    expect(await jobStats(id)).toBeUndefined();
  });
});

describe('a failed stats-job does not mean 0 attempts', () => {
  const ctx = useBeanstalkd();

  test.each(['with the context', 'without the context'] as const)(
    'attempts are counted locally when stats-job fails, so the job is still buried after maxAttempts (handler %s)',
    async (shape) => {
      // Every stats-job reply is turned into INTERNAL_ERROR on its way to the client.
      const statsJobReply = /OK \d+\r\n---\nid: \d+\n[\s\S]*?\nkicks: \d+\n\r\n/g;
      const proxy = await startFaultProxy({
        target: { host: '127.0.0.1', port: ctx.server.port },
        rewriteDown: (chunk) =>
          Buffer.from(chunk.toString('latin1').replace(statsJobReply, 'INTERNAL_ERROR\r\n'), 'latin1'),
      });
      const bs = Beanstalk.connect(proxy.url);
      try {
        const tube = freshTube();
        const id = await bs.tube(tube).put('doomed');
        await expect(bs.statsJob(id)).rejects.toThrow('internal error');
        const calls: number[] = [];
        const failing = failingHandlers(calls)[shape];
        const worker = work({ client: bs, tubes: { [tube]: failing }, maxAttempts: 3, backoff: () => 0 });
        const buried = firstValueFrom(worker.pipe(filter((e) => e.type === 'buried')));
        await within(buried, 5000, 'buried');
        expect(calls).toEqual([1, 2, 3]);
        expect(await rawJobStats(ctx.server.port, id)).toMatchObject({ state: 'buried', releases: '2' });
      } finally {
        await bs.close();
        await proxy.close();
      }
    },
  );
});
