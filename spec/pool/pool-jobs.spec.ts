import { Beanstalk, InvalidArgumentError } from '../../src/index.js';
import type { BeanstalkPool, PoolJob } from '../../src/index.js';
import { rawTubeStats, within } from '../helpers/bounded.js';
import { rawJobStats } from '../helpers/raw.js';
import { freshTube, sleep } from '../helpers/setup.js';
import { eventually } from '../support/raw-socket.js';
import { useBeanstalkdPool } from './servers.js';

// `for await` over a pool's reserve stream, checked against each server's own view.
describe('pool.watch(...).jobs(): for await over every server', () => {
  const ctx = useBeanstalkdPool(2);
  let pool: BeanstalkPool;
  beforeEach(() => {
    pool = Beanstalk.pool(ctx.urls, { name: 'pool-jobs' });
  });
  afterEach(() => pool.close());

  /** stats-tube on server `i`, every counter 0 once the tube is gone there. */
  const tubeStats = async (i: number, tube: string) =>
    (await rawTubeStats(ctx.servers[i].port, tube)) ?? {
      'current-jobs-ready': 0,
      'current-jobs-reserved': 0,
      'current-watching': 0,
      'current-waiting': 0,
    };
  const onEach = async (tube: string, key: string) => [
    (await tubeStats(0, tube))[key],
    (await tubeStats(1, tube))[key],
  ];
  /** Puts `n` jobs on each server directly, so both have work whatever the routing. */
  const putEach = async (tube: string, n: number) => {
    for (const server of pool.servers) {
      const client = Beanstalk.connect(server.url);
      for (let i = 0; i < n; i++) await client.tube(tube).put(`job ${server.index}/${i}`);
      await client.close();
    }
  };

  test("never more than the stream's lanes reserved on each server, and jobs from both", async () => {
    const tube = freshTube();
    await putEach(tube, 8);
    const perServerMax = [0, 0];
    let totalMax = 0;
    const from = new Set<number>();
    const work: Promise<void>[] = [];
    // concurrency 4 over two servers of equal weight: two lanes on each.
    for await (const job of pool.watch(tube).jobs({ concurrency: 4 })) {
      from.add(job.server.index);
      const reserved = await onEach(tube, 'current-jobs-reserved');
      reserved.forEach((n, i) => (perServerMax[i] = Math.max(perServerMax[i], n)));
      totalMax = Math.max(totalMax, reserved[0] + reserved[1]);
      work.push(sleep(30).then(() => job.delete()));
      if (work.length === 16) {
        await Promise.all(work); // leaving the loop closes the lanes at once: settle first
        break;
      }
    }
    expect(from).toEqual(new Set([0, 1]));
    expect(perServerMax[0]).toBeLessThanOrEqual(2);
    expect(perServerMax[1]).toBeLessThanOrEqual(2);
    expect(totalMax).toBeGreaterThanOrEqual(2); // it did work in parallel ...
    expect(totalMax).toBeLessThanOrEqual(4); // ... and never past the lanes
    expect(await onEach(tube, 'current-jobs-ready')).toEqual([0, 0]);
    expect(await onEach(tube, 'current-jobs-reserved')).toEqual([0, 0]);
  });

  test('after break: nothing reserved on any server, the rest still ready, every lane closed', async () => {
    const tube = freshTube();
    await putEach(tube, 3);
    const seen: PoolJob[] = [];
    for await (const job of pool.watch(tube).jobs({ concurrency: 2 })) {
      seen.push(job);
      // Wait until both servers' lanes hold a job, so the break leaves one unseen too.
      await eventually(
        async () => (await onEach(tube, 'current-jobs-reserved')).every((n) => n === 1),
        3000,
        'one job reserved on each server',
      );
      break; // this job is left unsettled
    }
    expect(seen).toHaveLength(1);
    await eventually(
      async () => (await onEach(tube, 'current-jobs-reserved')).every((n) => n === 0),
      3000,
      'nothing reserved',
    );
    expect(await onEach(tube, 'current-jobs-ready')).toEqual([3, 3]);
    await eventually(async () => (await onEach(tube, 'current-watching')).every((n) => n === 0), 3000, 'lanes closed');
    const [job] = seen;
    expect((await rawJobStats(ctx.servers[job.server.index].port, job.id))?.state).toBe('ready');
  });

  test('an abort ends a waiting loop promptly with nothing left reserved or watched', async () => {
    const tube = freshTube();
    const controller = new AbortController();
    const got: PoolJob[] = [];
    const loop = (async () => {
      for await (const job of pool.watch(tube).jobs({ signal: controller.signal })) got.push(job);
    })();
    await eventually(
      async () => (await onEach(tube, 'current-waiting')).every((n) => n === 1),
      3000,
      'a lane waiting on each server',
    );
    controller.abort();
    await expect(within(loop, 2000, 'aborted loop')).rejects.toMatchObject({ name: 'AbortError' });
    await eventually(async () => (await onEach(tube, 'current-watching')).every((n) => n === 0), 3000, 'lanes closed');
    const ref = await pool.tube(tube).put('after the abort');
    await sleep(100);
    expect((await rawJobStats(ctx.servers[ref.server.index].port, ref.id))?.state).toBe('ready');
    expect(got).toEqual([]);
  });

  test('bad arguments fail the first next() with a typed error, before anything is sent', async () => {
    const iterator = pool.watch('bad tube!').jobs();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'InvalidTubeNameError' });
    await expect(pool.watch('ok').jobs({ concurrency: 0 }).next()).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
