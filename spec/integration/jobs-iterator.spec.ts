import { firstValueFrom, forkJoin } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import type { Job } from '../../src/index.js';
import { rawTubeStats, within } from '../helpers/bounded.js';
import { rawJobStats } from '../helpers/raw.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';
import { eventually } from '../support/raw-socket.js';

// `for await` over jobs(), checked against the server's own view (stats-tube on a raw socket).
describe('jobs(): for await over reserved jobs', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'iter' });
  });
  afterEach(() => bs.close());

  /** stats-tube, with every counter 0 once the tube is gone (nobody watches it and it is empty). */
  const tubeStats = async (tube: string) =>
    (await rawTubeStats(ctx.server.port, tube)) ?? {
      'current-jobs-ready': 0,
      'current-jobs-reserved': 0,
      'current-watching': 0,
      'current-waiting': 0,
    };
  const putMany = (tube: string, n: number) =>
    firstValueFrom(forkJoin(Array.from({ length: n }, (_, i) => bs.tube(tube).put(`job ${i}`))));

  test('never more than `concurrency` reserved on the server, with jobs worked in the background', async () => {
    const tube = freshTube();
    await putMany(tube, 12);
    let maxReserved = 0;
    let handled = 0;
    const work: Promise<void>[] = [];
    for await (const job of bs.watch(tube).jobs({ concurrency: 3 })) {
      const reserved = (await tubeStats(tube))['current-jobs-reserved'];
      maxReserved = Math.max(maxReserved, reserved);
      work.push(sleep(30).then(() => job.delete().then(() => void handled++)));
      if (work.length === 12) {
        await Promise.all(work); // leaving the loop closes the lanes at once: settle first
        break;
      }
    }
    expect(handled).toBe(12);
    expect(maxReserved).toBeGreaterThanOrEqual(2); // it did work in parallel ...
    expect(maxReserved).toBeLessThanOrEqual(3); // ... and never past the lanes
    expect(await tubeStats(tube)).toMatchObject({ 'current-jobs-ready': 0, 'current-jobs-reserved': 0 });
  });

  test('after break: nothing stays reserved, the rest is still ready, the lanes are closed', async () => {
    const tube = freshTube();
    const ids = await putMany(tube, 6);
    const seen: number[] = [];
    for await (const job of bs.watch(tube).jobs({ concurrency: 2 })) {
      seen.push(job.id);
      if (seen.length === 2) break; // this job is left unsettled
      await job.delete();
    }
    await eventually(async () => (await tubeStats(tube))['current-jobs-reserved'] === 0, 3000, 'no job reserved');
    expect(await tubeStats(tube)).toMatchObject({ 'current-jobs-ready': 5, 'current-watching': 0 });
    expect(await rawJobStats(ctx.server.port, seen[0])).toBeUndefined();
    expect((await rawJobStats(ctx.server.port, seen[1]))?.state).toBe('ready');
    expect(ids).toEqual(expect.arrayContaining(seen));
  });

  test('a throw in the loop closes the lanes too; the job goes back to ready', async () => {
    const tube = freshTube();
    const [id] = await putMany(tube, 1);
    await expect(
      (async () => {
        for await (const job of bs.watch(tube).jobs()) throw new Error(`cannot handle ${job.id}`);
      })(),
    ).rejects.toThrow(`cannot handle ${id}`);
    await eventually(async () => (await tubeStats(tube))['current-jobs-ready'] === 1, 3000, 'job ready again');
    expect((await tubeStats(tube))['current-watching']).toBe(0);
  });

  test('an abort during a waiting reserve ends promptly with nothing left reserved', async () => {
    const tube = freshTube();
    const controller = new AbortController();
    const got: Job[] = [];
    const loop = (async () => {
      for await (const job of bs.watch(tube).jobs({ concurrency: 2, signal: controller.signal })) got.push(job);
    })();
    await eventually(async () => (await tubeStats(tube))['current-waiting'] === 2, 3000, 'two lanes waiting');
    const started = Date.now();
    controller.abort();
    await expect(within(loop, 1000, 'aborted loop')).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    await eventually(async () => (await tubeStats(tube))['current-watching'] === 0, 2000, 'lanes closed');
    const id = await bs.tube(tube).put('after the abort');
    await sleep(100);
    expect((await rawJobStats(ctx.server.port, id))?.state).toBe('ready');
    expect(got).toEqual([]);
  });

  test('an abort while the loop works: its own job may still be settled; jobs it never saw go back to ready', async () => {
    const tube = freshTube();
    await putMany(tube, 3);
    const controller = new AbortController();
    const settled: number[] = [];
    const loop = (async () => {
      for await (const job of bs.watch(tube).jobs({ concurrency: 3, signal: controller.signal })) {
        // Wait until all three lanes hold a job: two sit in the iterator, unseen by the loop.
        await eventually(async () => (await tubeStats(tube))['current-jobs-reserved'] === 3, 3000, '3 reserved');
        controller.abort();
        await job.delete();
        settled.push(job.id);
      }
    })();
    await expect(within(loop, 3000, 'loop')).rejects.toMatchObject({ name: 'AbortError' });
    expect(settled).toHaveLength(1);
    await eventually(async () => (await tubeStats(tube))['current-jobs-ready'] === 2, 3000, 'unseen jobs ready');
    await eventually(async () => (await tubeStats(tube))['current-watching'] === 0, 3000, 'lanes closed');
    expect((await tubeStats(tube))['current-jobs-reserved']).toBe(0);
  });

  test('an already aborted signal rejects at once and reserves nothing', async () => {
    const tube = freshTube();
    await putMany(tube, 1);
    const iterator = bs.watch(tube).jobs({ signal: AbortSignal.abort() });
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(await tubeStats(tube)).toMatchObject({ 'current-jobs-ready': 1, 'current-watching': 0 });
  });
});
