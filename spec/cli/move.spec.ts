import { firstValueFrom, lastValueFrom, mergeMap, range, toArray } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import type { Job } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { builtCli, finished, runCli, spawnCli } from '../helpers/cli.js';
import { rawJobStats } from '../helpers/raw.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

describe('rxbs move', () => {
  const env = useBeanstalkd();
  let target: RunningBeanstalkd;
  let bs: Beanstalk;
  let other: Beanstalk;
  beforeAll(async () => {
    builtCli();
    target = await startBeanstalkd();
  }, 180000);
  afterAll(() => target?.stop());
  beforeEach(() => {
    bs = Beanstalk.connect(env.server.url);
    other = Beanstalk.connect(target.url);
  });
  afterEach(() => Promise.all([bs.close(), other.close()]));

  const putMany = (client: Beanstalk, tube: string, count: number, prefix = tube) =>
    lastValueFrom(
      range(0, count).pipe(
        mergeMap((i) => client.tube(tube).put(`${prefix} ${i}`), 200),
        toArray(),
      ),
    );

  /** Every body in `tube` (ready, delayed or buried), read by reserving each by id from the heads. */
  async function bodies(client: Beanstalk, tube: string): Promise<string[]> {
    const found: string[] = [];
    const t = client.tube(tube);
    for (;;) {
      const head =
        (await firstValueFrom(t.peekReady(), { defaultValue: undefined })) ??
        (await firstValueFrom(t.peekDelayed(), { defaultValue: undefined })) ??
        (await firstValueFrom(t.peekBuried(), { defaultValue: undefined }));
      if (!head) return found.sort();
      found.push(head.text());
      await firstValueFrom(client.delete(head.id), { defaultValue: undefined });
    }
  }

  it('moves every job to another server exactly once', async () => {
    const tube = freshTube('across');
    const sent = await putMany(bs, tube, 1500);
    const result = await runCli(['--url', env.server.url, 'move', '--tube', tube, '--to', target.url, '--yes'], {
      timeoutMs: 60000,
    });
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({
      code: 0,
      stdout: `moved 1500 jobs from tube ${tube} to tube ${tube} on ${target.url} (1500 ready)\n`,
    });
    const arrived = await bodies(other, tube);
    expect(arrived).toHaveLength(sent.length);
    expect(arrived).toEqual(Array.from({ length: 1500 }, (_, i) => `${tube} ${i}`).sort());
    expect(await firstValueFrom(bs.tube(tube).stats())).toMatchObject({ currentJobsReady: 0, cmdDelete: 1500 });
  });

  it('keeps priority, TTR, remaining delay and buried state; leaves a reserved job where it is', async () => {
    const tube = freshTube('keep');
    const to = freshTube('kept');
    const ready = await firstValueFrom(bs.tube(tube).put('ready', { priority: 12, ttr: 77 }));
    await firstValueFrom(bs.tube(tube).put('delayed', { priority: 13, ttr: 78, delay: 500 }));
    const buried = await firstValueFrom(bs.tube(tube).put('buried', { priority: 14, ttr: 79 }));
    const held = await firstValueFrom(bs.reserveJob(buried));
    await firstValueFrom(held.bury(14), { defaultValue: undefined });
    const worker = Beanstalk.connect(env.server.url);
    const taken = await firstValueFrom(worker.tube(tube).put('taken')).then((id) =>
      firstValueFrom(worker.reserveJob(id)),
    );
    try {
      const result = await runCli([
        '--url',
        env.server.url,
        'move',
        '--tube',
        tube,
        '--to-tube',
        to,
        '--state',
        'ready,delayed,buried',
        '--yes',
        '--json',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        moved: 3,
        byState: { ready: 1, delayed: 1, buried: 1 },
        skipped: 0,
        failed: [],
      });
      expect(await rawJobStats(env.server.port, ready)).toBeUndefined();
      expect(await rawJobStats(env.server.port, taken.id)).toMatchObject({ state: 'reserved', tube });
      const moved = new Map<string, Record<string, string>>();
      const t = bs.tube(to);
      for (const peek of [t.peekReady(), t.peekDelayed(), t.peekBuried()]) {
        const job: Job | undefined = await firstValueFrom(peek, { defaultValue: undefined });
        if (job) moved.set(job.text(), (await rawJobStats(env.server.port, job.id))!);
      }
      expect(moved.get('ready')).toMatchObject({ state: 'ready', pri: '12', ttr: '77' });
      expect(moved.get('delayed')).toMatchObject({ state: 'delayed', pri: '13', ttr: '78' });
      expect(Number(moved.get('delayed')?.['time-left'])).toBeGreaterThan(480);
      expect(Number(moved.get('delayed')?.['time-left'])).toBeLessThanOrEqual(500);
      expect(moved.get('buried')).toMatchObject({ state: 'buried', pri: '14', ttr: '79' });
    } finally {
      await worker.close();
    }
  });

  it('killed (SIGKILL) in the middle of a move, loses no job; running it again finishes the move', async () => {
    const tube = freshTube('killed');
    const count = Number(process.env.RXBS_KILL_MOVE_JOBS ?? 20000);
    await putMany(bs, tube, count);
    const child = spawnCli(['--url', env.server.url, 'move', '--tube', tube, '--to', target.url, '--yes']);
    const done = finished(child, 120000);
    // Kill it once part of the jobs have arrived on the target, and not all.
    for (let arrived = 0; arrived < count / 10;) {
      await sleep(5);
      arrived = await firstValueFrom(other.tube(tube).stats()).then(
        (stats) => stats.currentJobsReady,
        () => 0,
      );
    }
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const left = await firstValueFrom(bs.tube(tube).stats());
    expect(left.currentJobsReady).toBeGreaterThan(0);
    const onTarget = await firstValueFrom(other.tube(tube).stats());
    // Every job is on one server or both (a job put on the target but not yet deleted here).
    expect(left.currentJobsReady + onTarget.currentJobsReady).toBeGreaterThanOrEqual(count);
    // Duplicates are bounded by the jobs in flight: two windows being moved and one read (4,096 ids each).
    expect(left.currentJobsReady + onTarget.currentJobsReady).toBeLessThanOrEqual(count + 3 * 4096);

    const again = await runCli(['--url', env.server.url, 'move', '--tube', tube, '--to', target.url, '--yes'], {
      timeoutMs: 120000,
    });
    expect(again.code).toBe(0);
    const arrived = await bodies(other, tube);
    const unique = new Set(arrived);
    expect(unique.size).toBe(count);
    // A duplicate is possible (put on the target, killed before the delete here), a loss is not.
    expect(arrived.length - unique.size).toBe(left.currentJobsReady + onTarget.currentJobsReady - count);
  }, 240000);

  it('needs somewhere to move to, and a tube that exists', async () => {
    const same = await runCli(['--url', env.server.url, 'move', '--tube', 'a', '--yes']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('nowhere to move to');
    const missing = await runCli([
      '--url',
      env.server.url,
      'move',
      '--tube',
      freshTube('none'),
      '--to-tube',
      'b',
      '--yes',
    ]);
    expect(missing.code).toBe(3);
  });
});
