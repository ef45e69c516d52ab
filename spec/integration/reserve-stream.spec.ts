import {
  Subject,
  concatMap,
  firstValueFrom,
  forkJoin,
  lastValueFrom,
  map,
  mergeMap,
  take,
  tap,
  timer,
  toArray,
} from 'rxjs';
import { Beanstalk, InvalidArgumentError } from '../../src/index.js';
import type { Job } from '../../src/index.js';
import { rawCounter, rawJobStats, rawStats } from '../helpers/raw.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

describe('reserve streams on lanes', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'lanes' });
  });
  afterEach(() => bs.close());

  const fill = (tube: string, count: number) =>
    lastValueFrom(forkJoin(Array.from({ length: count }, (_, i) => bs.tube(tube).put(`job ${i}`))));

  test('backpressure seen by the server: never more reserved than lanes, all processed', async () => {
    const tube = freshTube();
    await fill(tube, 100);
    let peak = 0;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      void rawStats(ctx.server.port).then((stats) => {
        const reserved = Number(stats['current-jobs-reserved']);
        samples.push(reserved);
        peak = Math.max(peak, reserved);
      });
    }, 20);
    const processed = await lastValueFrom(
      bs
        .watch(tube)
        .reserve({ concurrency: 2 })
        .pipe(
          mergeMap(
            (job) =>
              timer(50).pipe(
                concatMap(() => job.delete()),
                map(() => job.id),
              ),
            2,
          ),
          take(100),
          toArray(),
        ),
    );
    clearInterval(sampler);
    expect(new Set(processed).size).toBe(100);
    expect(samples.length).toBeGreaterThan(50);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect((await firstValueFrom(bs.tube(tube).stats())).totalJobs).toBe(100);
    expect((await firstValueFrom(bs.tube(tube).stats())).currentJobsReady).toBe(0);
  });

  test('a slow consumer with concatMap holds one job at a time per lane, even with more ready', async () => {
    const tube = freshTube();
    await fill(tube, 10);
    const seen: number[] = [];
    await lastValueFrom(
      bs
        .watch(tube)
        .reserve({ concurrency: 3 })
        .pipe(
          concatMap(async (job) => {
            seen.push(Number((await rawStats(ctx.server.port))['current-jobs-reserved']));
            await firstValueFrom(job.delete());
          }),
          take(10),
        ),
    );
    expect(Math.max(...seen)).toBeLessThanOrEqual(3);
  });

  test('while a reserve stream waits on an empty tube, a put and a stats on the same client are fast', async () => {
    const empty = freshTube();
    const subscription = bs.watch(empty).reserve({ concurrency: 2 }).subscribe();
    await sleep(100); // the lanes' reserves are now blocking on the server
    expect(await rawCounter(ctx.server.port, 'current-waiting')).toBeGreaterThanOrEqual(2);
    const started = performance.now();
    const id = await firstValueFrom(bs.tube(freshTube()).put('not stalled'));
    const stats = await firstValueFrom(bs.stats());
    const elapsed = performance.now() - started;
    subscription.unsubscribe();
    expect(id).toBeGreaterThan(0);
    expect(stats.currentWaiting).toBeGreaterThanOrEqual(2);
    expect(elapsed).toBeLessThan(100);
  });

  test('unsubscribing with an unsettled job makes it ready again', async () => {
    const tube = freshTube();
    const [id] = await fill(tube, 1);
    const job = await firstValueFrom(bs.watch(tube).reserve());
    expect(job.id).toBe(id);
    // firstValueFrom unsubscribed after the job came: the lane closes, the server takes the job back.
    await sleep(50);
    expect(await rawJobStats(ctx.server.port, id)).toMatchObject({ state: 'ready', reserves: '1' });
  });

  test('the next reserve leaves in the same write as the delete that settles a job', async () => {
    const tube = freshTube();
    await fill(tube, 20);
    const writes: number[] = [];
    const jobs: Job[] = await lastValueFrom(
      bs
        .watch(tube)
        .reserve()
        .pipe(
          concatMap(async (job) => {
            const before = await rawCounter(ctx.server.port, 'cmd-reserve');
            await firstValueFrom(job.delete());
            writes.push((await rawCounter(ctx.server.port, 'cmd-reserve')) - before);
            return job;
          }),
          take(20),
          toArray(),
        ),
    );
    expect(jobs).toHaveLength(20);
    // By the time the delete's reply arrives, the server has already received the next reserve.
    expect(writes.slice(0, 19).every((n) => n === 1)).toBe(true);
  });

  test('lanes are separate connections with their own watch sets', async () => {
    const [a, b] = [freshTube(), freshTube()];
    await firstValueFrom(bs.tube(a).put('in a'));
    await firstValueFrom(bs.tube(b).put('in b'));
    const fromA = await firstValueFrom(bs.watch(a).reserve());
    const fromB = await firstValueFrom(bs.watch(b).reserve());
    expect(fromA.text()).toBe('in a');
    expect(fromB.text()).toBe('in b');
  });

  test('concurrency must be a positive integer', async () => {
    await expect(firstValueFrom(bs.watch('default').reserve({ concurrency: 0 }))).rejects.toThrow(InvalidArgumentError);
  });

  test('until: stops reserving, waits for held jobs to settle, then completes', async () => {
    const tube = freshTube();
    await fill(tube, 5);
    // Stop once both lanes hold a job (a fixed timer(30) fired before the lanes had reserved
    // anything on a loaded machine); each job is held 100 ms more, so the stop comes mid-job.
    const stop = new Subject<void>();
    let held = 0;
    const done = await lastValueFrom(
      bs
        .watch(tube)
        .reserve({ concurrency: 2, until: stop })
        .pipe(
          tap(() => {
            if (++held === 2) stop.next();
          }),
          mergeMap(
            (job) =>
              timer(100).pipe(
                concatMap(() => job.delete()),
                map(() => job.id),
              ),
            2,
          ),
          toArray(),
        ),
    );
    expect(done).toHaveLength(2);
    expect((await firstValueFrom(bs.tube(tube).stats())).currentJobsReady).toBe(3);
  });

  /**
   * Deletes sent just before a stop, with the next reserves pipelined behind them: every one
   * must be answered (a lane that is stopping must not be destroyed under them).
   */
  async function stopRightAfterDeletes(stop: (subscription: { unsubscribe(): void }, stop$: Subject<void>) => void) {
    const tube = freshTube();
    await fill(tube, 200);
    const deletesBefore = await rawCounter(ctx.server.port, 'cmd-delete');
    const stop$ = new Subject<void>();
    const outcomes: Promise<string>[] = [];
    let emitted = 0;
    let completed!: () => void;
    const completion = new Promise<string>((resolve) => (completed = () => resolve('completed')));
    await new Promise<void>((resolve) => {
      const subscription = bs
        .watch(tube)
        .reserve({ concurrency: 4, until: stop$ })
        .subscribe({
          next: (job) => {
            emitted++;
            outcomes.push(
              lastValueFrom(job.delete(), { defaultValue: undefined }).then(
                () => 'deleted',
                (e: Error) => e.name,
              ),
            );
            if (emitted === 40) {
              stop(subscription, stop$);
              resolve();
            }
          },
          complete: () => completed(),
        });
    });
    const results = await Promise.all(outcomes);
    return { tube, results, completion, deletesBefore };
  }

  test('until right after deletes: every delete already sent is answered, then the stream completes', async () => {
    const { tube, results, completion, deletesBefore } = await stopRightAfterDeletes((_, stop$) => stop$.next());
    expect(results.every((r) => r === 'deleted')).toBe(true);
    expect(await Promise.race([completion, sleep(2000).then(() => 'still running')])).toBe('completed');
    await sleep(50);
    expect((await rawCounter(ctx.server.port, 'cmd-delete')) - deletesBefore).toBe(results.length);
    const stats = await firstValueFrom(bs.tube(tube).stats());
    expect(stats.currentJobsReserved).toBe(0); // jobs handed to abandoned reserves went back
    expect(stats.currentJobsReady).toBe(200 - results.length);
  });

  test('unsubscribing right after deletes: the deletes already sent are answered, not failed', async () => {
    const { tube, results } = await stopRightAfterDeletes((subscription) => subscription.unsubscribe());
    expect(results).toHaveLength(40);
    expect(results.every((r) => r === 'deleted')).toBe(true);
    await sleep(50);
    const stats = await firstValueFrom(bs.tube(tube).stats());
    expect(stats.currentJobsReserved).toBe(0);
    expect(stats.currentJobsReady).toBe(160);
  });
});
