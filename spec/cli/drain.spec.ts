import { firstValueFrom, lastValueFrom, range, mergeMap, toArray } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { builtCli, runCli } from '../helpers/cli.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';

describe('rxbs drain', () => {
  const env = useBeanstalkd();
  let bs: Beanstalk;
  const rxbs = (args: string[]) => runCli(['--url', env.server.url, ...args], { timeoutMs: 60000 });
  beforeAll(() => void builtCli(), 180000);
  beforeEach(() => (bs = Beanstalk.connect(env.server.url)));
  afterEach(() => bs.close());

  const putMany = (tube: string, count: number, options: { priority?: number; delay?: number } = {}) =>
    lastValueFrom(
      range(0, count).pipe(
        mergeMap((i) => bs.tube(tube).put(`${tube} ${i}`, options), 200),
        toArray(),
      ),
    );

  /** Puts ready, delayed and buried jobs into `tube`, interleaved with another tube's jobs. */
  async function mixedTube(tube: string, other: string) {
    const ready = await putMany(tube, 300, { priority: 100 });
    await putMany(other, 50);
    const lowPriority = await putMany(tube, 40, { priority: 5000 });
    const delayed = await putMany(tube, 30, { delay: 300 });
    const toBury = await putMany(tube, 20, { priority: 7 });
    for (const id of toBury) {
      const job = await firstValueFrom(bs.reserveJob(id));
      await firstValueFrom(job.bury(7), { defaultValue: undefined });
    }
    return { ready: [...ready, ...lowPriority], delayed, buried: toBury };
  }

  it('deletes the ready, delayed and buried jobs of a paused tube, and nothing of other tubes', async () => {
    const tube = freshTube('drain');
    const other = freshTube('bystander');
    const jobs = await mixedTube(tube, other);
    await firstValueFrom(bs.tube(tube).pause(600), { defaultValue: undefined });
    // A job a worker holds is left alone.
    const held = await firstValueFrom(bs.tube(tube).put('held', { priority: 0 }));
    const worker = Beanstalk.connect(env.server.url);
    const reserved = await firstValueFrom(worker.reserveJob(held));
    try {
      const result = await rxbs(['drain', tube, '--yes']);
      expect(result.stderr).toBe('');
      expect(result).toMatchObject({
        code: 0,
        stdout: `deleted 390 jobs from tube ${tube} (340 ready, 30 delayed, 20 buried)\n`,
      });
      const stats = await firstValueFrom(bs.tube(tube).stats());
      expect(stats).toMatchObject({
        currentJobsReady: 0,
        currentJobsDelayed: 0,
        currentJobsBuried: 0,
        currentJobsReserved: 1,
        pause: 600,
      });
      expect((await firstValueFrom(bs.tube(other).stats())).currentJobsReady).toBe(50);
      for (const id of [...jobs.ready.slice(0, 3), ...jobs.delayed.slice(0, 3), ...jobs.buried.slice(0, 3)]) {
        expect(await rawJobStats(env.server.port, id)).toBeUndefined();
      }
      expect(await rawJobStats(env.server.port, reserved.id)).toMatchObject({ state: 'reserved' });
      // Nothing was reserved, released or buried to find the jobs.
      expect(await rawCounter(env.server.port, 'cmd-release')).toBe(0);
    } finally {
      await worker.close();
    }
  });

  it('deletes only the states asked for, and reports them as JSON', async () => {
    const tube = freshTube('some');
    await mixedTube(tube, freshTube('other'));
    const result = await rxbs(['drain', tube, '--buried', '--delayed', '--yes', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      tube,
      deleted: 50,
      byState: { ready: 0, delayed: 30, buried: 20 },
      left: { ready: 0, delayed: 0, buried: 0 },
      interrupted: false,
    });
    expect(await firstValueFrom(bs.tube(tube).stats())).toMatchObject({
      currentJobsReady: 340,
      currentJobsDelayed: 0,
      currentJobsBuried: 0,
    });
  });

  it('asks first: without a terminal and without --yes it deletes nothing (exit code 5)', async () => {
    const tube = freshTube('ask');
    await putMany(tube, 5);
    const result = await rxbs(['drain', tube]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`Delete 5 jobs (5 ready, 0 delayed, 0 buried) from tube ${tube}`);
    expect(result.stderr).toContain('add --yes');
    expect((await firstValueFrom(bs.tube(tube).stats())).currentJobsReady).toBe(5);
  });

  it('says so when there is nothing to delete, and names a missing tube (exit code 3)', async () => {
    const tube = freshTube('empty');
    await putMany(tube, 2, { delay: 100 });
    expect(await rxbs(['drain', tube, '--ready'])).toMatchObject({
      code: 0,
      stdout: `nothing to delete: tube ${tube} has no ready jobs\n`,
    });
    const missing = await rxbs(['drain', freshTube('missing'), '--yes']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^rxbs: tube missing-\S+ not found\n$/);
  });
});
