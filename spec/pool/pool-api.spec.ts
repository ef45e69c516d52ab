import { filter, firstValueFrom, lastValueFrom, map, mergeMap, range, take, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { Beanstalk, InvalidArgumentError, InvalidTubeNameError, NotFoundError, work } from '../../src/index.js';
import type { BeanstalkPool, JobRef, PoolJob, ServerStats, TubeStats } from '../../src/index.js';
import { all, failure, freshTube, maybe } from '../helpers/setup.js';
import { useBeanstalkdPool } from './servers.js';

/** What `monitor()` (branch i17-cli) takes: anything with these three. */
interface StatsSource {
  stats(): Observable<ServerStats>;
  listTubes(): Observable<string[]>;
  tube(name: string): { stats(): Observable<TubeStats> };
}

describe('a pool: the API of one client, fanned out where it must be', () => {
  const ctx = useBeanstalkdPool(3);
  let pool: BeanstalkPool;
  beforeEach(() => {
    pool = Beanstalk.pool(ctx.urls, { name: 'api' });
  });
  afterEach(() => pool.close());

  /** One job on each server (round robin from a fresh pool). */
  const onePerServer = async (tube: string): Promise<JobRef[]> =>
    all(range(0, 3).pipe(mergeMap((i) => pool.tube(tube).put(`job ${i}`))));

  test('state$ says which servers are up', async () => {
    await onePerServer(freshTube());
    expect(await firstValueFrom(pool.state$)).toEqual(['up', 'up', 'up']);
    expect(await firstValueFrom(pool.server(2).state$)).toBe('up');
  });

  test('job ids are per server: a JobRef or server(i) is needed to name a job', async () => {
    const tube = freshTube();
    const refs = await onePerServer(tube);
    for (const ref of refs) {
      const job = await firstValueFrom(pool.peek(ref));
      expect(job.server).toBe(ref.server);
      expect(job.id).toBe(ref.id);
      const stats = await firstValueFrom(pool.server(ref.server.index).statsJob(ref.id));
      expect(stats.tube).toBe(tube);
    }
    // @ts-expect-error a bare number does not say which server the id belongs to
    expect(() => pool.peek(refs[0].id)).toThrow();
    expect(() => pool.server(3)).toThrow(InvalidArgumentError);
  });

  test('stats are summed with each server kept; listTubes is the union', async () => {
    const tube = freshTube();
    await onePerServer(tube);
    const source: StatsSource = pool; // monitor() accepts a pool
    const tubeStats = await firstValueFrom(source.tube(tube).stats());
    expect(tubeStats.currentJobsReady).toBe(3);
    expect(tubeStats.name).toBe(tube);
    const detail = await firstValueFrom(pool.statsByServer());
    expect(detail.servers.map((s) => s.value?.pid)).toEqual(ctx.servers.map((s) => s.pid));
    expect(detail.total.currentConnections).toBe(
      detail.servers.reduce((sum, s) => sum + (s.value?.currentConnections ?? 0), 0),
    );
    expect((await firstValueFrom(source.stats())).totalJobs).toBe(detail.total.totalJobs);
    expect(await firstValueFrom(source.listTubes())).toEqual(expect.arrayContaining([tube, 'default']));
    expect(await failure(pool.tube(freshTube('none')).stats())).toBeInstanceOf(NotFoundError);
  });

  test('peeks fan out (one job per server), kick counts across servers, pause reaches all', async () => {
    const tube = freshTube();
    await onePerServer(tube);
    const ready = await all(pool.tube(tube).peekReady());
    expect(ready.map((job) => job.server.index).sort()).toEqual([0, 1, 2]);
    expect(await maybe(pool.tube(tube).peekBuried())).toBeUndefined();

    // Bury one job on each server, then kick two, then the rest.
    // Typed as an Observable: an awaitable query inside mergeMap would otherwise widen to PoolJob | undefined.
    const jobs = await all(
      range(0, 3).pipe(mergeMap((): Observable<PoolJob> => pool.watch(tube).reserveOne({ timeout: 1 }))),
    );
    expect(new Set(jobs.map((job) => job.server.index)).size).toBe(3);
    await Promise.all(jobs.map((job) => firstValueFrom(job.bury(), { defaultValue: undefined })));
    expect(await all(pool.tube(tube).peekBuried())).toHaveLength(3);
    expect(await firstValueFrom(pool.tube(tube).kick(2))).toBe(2);
    expect(await firstValueFrom(pool.tube(tube).kick(10))).toBe(1);
    expect(await firstValueFrom(pool.tube(tube).kick(10))).toBe(0);

    await lastValueFrom(pool.tube(tube).pause(60), { defaultValue: undefined });
    const paused = await firstValueFrom(pool.tube(tube).statsByServer());
    expect(paused.servers.map((s) => s.value?.pause)).toEqual([60, 60, 60]);
  });

  test('reserveOne takes one job from whichever server has one; the others stay ready', async () => {
    const tube = freshTube();
    await firstValueFrom(pool.tube(tube).put('only one'));
    const job = await firstValueFrom(pool.watch(tube).reserveOne({ timeout: 2 }));
    expect(job.text()).toBe('only one');
    await lastValueFrom(job.delete(), { defaultValue: undefined });
    expect(await maybe(pool.watch(tube).reserveOne({ timeout: 0 }))).toBeUndefined();
  });

  test('bad input fails before anything is sent', async () => {
    expect(await failure(pool.tube('bad name').put('x'))).toBeInstanceOf(InvalidTubeNameError);
    expect(await failure(pool.put('x', { priority: -1 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await failure(pool.watch('ok', 'bad name').reserve())).toBeInstanceOf(InvalidTubeNameError);
    expect(await failure(pool.watch('ok').reserve({ concurrency: 0 }))).toBeInstanceOf(InvalidArgumentError);
    expect(() => Beanstalk.pool([])).toThrow(InvalidArgumentError);
    expect(() => Beanstalk.pool([{ url: ctx.urls[0], weight: 0 }])).toThrow(InvalidArgumentError);
  });

  test('weights: a server of weight 2 takes half the puts and half the lanes', async () => {
    const weighted = Beanstalk.pool([ctx.urls[0], { url: ctx.urls[1], weight: 2 }, ctx.urls[2]]);
    try {
      const tube = freshTube();
      const refs = await all(range(0, 400).pipe(mergeMap(() => weighted.tube(tube).put('w'))));
      expect(refs.filter((ref) => ref.server.index === 1)).toHaveLength(200);
      const reserving = weighted.watch(tube).reserve({ concurrency: 4 }).subscribe();
      const start = Date.now();
      let waiting: number[] = [];
      while (Date.now() - start < 5000) {
        const stats = await firstValueFrom(weighted.statsByServer());
        waiting = stats.servers.map((s) => Number(s.value?.currentJobsReserved));
        if (waiting.reduce((a, b) => a + b) === 4) break;
      }
      reserving.unsubscribe();
      expect(waiting).toEqual([1, 2, 1]);
    } finally {
      await weighted.close();
    }
  });

  test('empty servers hold up nobody: one lane each, all jobs on one server, all consumed', async () => {
    const tube = freshTube();
    // Put by key, then delete what landed elsewhere: only server 0 has jobs, servers 1 and 2 are empty.
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    const refs = await all(range(0, 500).pipe(mergeMap((i) => pool.tube(tube).put(String(i), { key: keys[i] }))));
    const onFirst = refs.filter((ref) => ref.server.index === 0);
    for (const ref of refs.filter((r) => r.server.index !== 0))
      await firstValueFrom(pool.delete(ref), { defaultValue: 0 });
    expect(onFirst.length).toBeGreaterThan(100);
    const started = Date.now();
    const got = await firstValueFrom(
      pool
        .watch(tube)
        .reserve({ concurrency: 1 })
        .pipe(
          mergeMap((job) => job.delete().pipe(map(() => job.server.index)), 3),
          take(onFirst.length),
          toArray(),
        ),
    );
    expect(got.every((index) => index === 0)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10000);
  });

  test('work() takes a pool', async () => {
    const tube = freshTube();
    await onePerServer(tube);
    const results = await all(
      work({ client: pool, tubes: { [tube]: (job) => job.text() } }).pipe(
        filter((event) => event.type === 'succeeded'),
        take(3),
        map((event) => (event.type === 'succeeded' ? event.result : undefined)),
      ),
    );
    expect(results.sort()).toEqual(['job 0', 'job 1', 'job 2']);
  });
});
