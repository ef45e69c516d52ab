import { Subject, filter, firstValueFrom, forkJoin, lastValueFrom, take, timer, toArray } from 'rxjs';
import { Beanstalk, work } from '../../src/index.js';
import type { WorkerEvent } from '../../src/index.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube, maybe, sleep, useBeanstalkd } from '../helpers/setup.js';

describe('the worker runner', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'worker' });
  });
  afterEach(() => bs.close());

  const until = (type: WorkerEvent['type'], count: number) => (events: ReturnType<typeof work>) =>
    lastValueFrom(
      events.pipe(
        filter((e) => e.type === type),
        take(count),
        toArray(),
      ),
    );

  test('success deletes the job; handlers may return a value, a Promise or an Observable', async () => {
    const [a, b, c] = [freshTube(), freshTube(), freshTube()];
    const ids = await lastValueFrom(forkJoin([bs.tube(a).put('1'), bs.tube(b).put('2'), bs.tube(c).put('3')]));
    const events = await until(
      'succeeded',
      3,
    )(
      work({
        client: bs,
        tubes: {
          [a]: (job) => job.text() + 'v',
          [b]: (job) => Promise.resolve(job.text() + 'p'),
          [c]: (job) => timer(5).pipe(filter(() => job.id > 0)),
        },
      }),
    );
    const results = events.map((e) => (e.type === 'succeeded' ? e.result : undefined));
    expect(results).toHaveLength(3);
    expect(results).toEqual(expect.arrayContaining(['1v', '2p', 0]));
    for (const id of ids) expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
  });

  test('a handler that fails twice then succeeds: one success, releases is 2', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('flaky'));
    let calls = 0;
    let releasesSeen = -1;
    const events = await lastValueFrom(
      work({
        client: bs,
        tubes: {
          [tube]: async (job) => {
            calls++;
            if (calls < 3) throw new Error(`attempt ${calls} fails`);
            releasesSeen = (await firstValueFrom(job.stats())).releases;
            return 'ok';
          },
        },
        backoff: () => 0,
      }).pipe(
        filter((e) => e.type !== 'reserved'),
        take(5),
        toArray(),
      ),
    );
    expect(events.map((e) => e.type)).toEqual(['failed', 'retried', 'failed', 'retried', 'succeeded']);
    expect(events.filter((e) => e.type === 'failed').map((e) => e.type === 'failed' && e.attempt)).toEqual([1, 2]);
    expect(calls).toBe(3);
    expect(releasesSeen).toBe(2);
    expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
  });

  test('a handler that always fails ends buried after maxAttempts, with the backoff as release delay', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('doomed', { priority: 77 }));
    const delays: number[] = [];
    const events = await lastValueFrom(
      work({
        client: bs,
        tubes: { [tube]: () => Promise.reject(new Error('no')) },
        maxAttempts: 3,
        backoff: (releases) => {
          delays.push(releases);
          return 0;
        },
      }).pipe(
        filter((e) => e.type === 'buried' || e.type === 'retried'),
        take(3),
        toArray(),
      ),
    );
    expect(events.map((e) => e.type)).toEqual(['retried', 'retried', 'buried']);
    expect(delays).toEqual([0, 1]);
    expect(await rawJobStats(ctx.server.port, id)).toMatchObject({
      state: 'buried',
      releases: '2',
      buries: '1',
      pri: '77',
    });
  });

  test('auto-touch: a 3 s handler on a TTR-2 job completes once, with no timeout and nobody else getting it', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('long', { ttr: 2 }));
    const rival = Beanstalk.connect(ctx.server.url, { name: 'rival' });
    let runs = 0;
    const rivalGot: number[] = [];
    const events: WorkerEvent[] = [];
    const finished = lastValueFrom(
      work({
        client: bs,
        tubes: {
          [tube]: async () => {
            runs++;
            // Meanwhile a rival keeps trying to reserve from the same tube.
            for (let i = 0; i < 5; i++) {
              const job = await maybe(rival.watch(tube).reserveOne({ timeout: 0 }));
              if (job) rivalGot.push(job.id);
              await sleep(600);
            }
            return 'done';
          },
        },
      }).pipe(
        filter((e) => {
          events.push(e);
          return e.type === 'succeeded';
        }),
        take(1),
      ),
    );
    await sleep(2500);
    expect((await rawJobStats(ctx.server.port, id))?.state).toBe('reserved');
    const { timeouts, reserves } = (await rawJobStats(ctx.server.port, id)) ?? {};
    await finished;
    await rival.close();
    expect(runs).toBe(1);
    expect(rivalGot).toEqual([]);
    expect({ timeouts, reserves }).toEqual({ timeouts: '0', reserves: '1' });
    expect(events.filter((e) => e.type === 'touched').length).toBeGreaterThanOrEqual(2);
    expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
  });

  test('shutdown: 4 handlers mid-flight all finish and delete; no reserve is issued after stop', async () => {
    const tube = freshTube();
    const ids = await lastValueFrom(forkJoin(Array.from({ length: 8 }, (_, i) => bs.tube(tube).put(`j${i}`))));
    const stop = new Subject<void>();
    const started: number[] = [];
    const events: WorkerEvent[] = [];
    const all = lastValueFrom(
      work({
        client: bs,
        concurrency: 4,
        stop,
        tubes: {
          [tube]: async (job) => {
            started.push(job.id);
            await sleep(300);
          },
        },
      }).pipe(toArray()),
    ).then((list) => events.push(...list));
    while (started.length < 4) await sleep(10);
    const reservesAtStop = await rawCounter(ctx.server.port, 'cmd-reserve');
    stop.next();
    await all; // completes once the in-flight jobs are settled and the lanes closed
    expect(events.filter((e) => e.type === 'succeeded')).toHaveLength(4);
    expect(await rawCounter(ctx.server.port, 'cmd-reserve')).toBe(reservesAtStop);
    for (const id of started) expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
    const rest = ids.filter((id) => !started.includes(id));
    for (const id of rest) expect((await rawJobStats(ctx.server.port, id))?.state).toBe('ready');
  });

  test('unsubscribing is a graceful stop too: in-flight jobs are still deleted', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('x'));
    let started = false;
    const subscription = work({
      client: bs,
      tubes: {
        [tube]: async () => {
          started = true;
          await sleep(200);
        },
      },
    }).subscribe();
    while (!started) await sleep(5);
    subscription.unsubscribe();
    await sleep(400);
    expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
  });
});
