import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { Beanstalk, InvalidArgumentError, InvalidTubeNameError, monitor } from '../../src/index.js';
import type { MonitorSnapshot, MonitorSource, ServerStats, TubeStats } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import { rawCounter } from '../helpers/raw.js';
import { failure, freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';
import { openRaw } from '../support/raw-socket.js';
import { startTurnProxy } from '../support/turn-proxy.js';

describe('monitor()', () => {
  const env = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => (bs = Beanstalk.connect(env.server.url, { name: 'monitor-spec' })));
  afterEach(() => bs.close());

  it('emits server and tube stats, with rates that add up to what was done between samples', async () => {
    const tube = freshTube('rates');
    const snapshots: MonitorSnapshot[] = [];
    const producer = Beanstalk.connect(env.server.url);
    // 6 puts, 3 reserve+delete, 1 reserve+bury, then a kick of that one: done while the monitor samples.
    async function work() {
      for (let i = 0; i < 6; i++) await firstValueFrom(producer.tube(tube).put(`job ${i}`));
      for (let i = 0; i < 3; i++) {
        const job = await firstValueFrom(producer.watch(tube).reserveOne({ timeout: 1 }));
        await firstValueFrom(job.delete(), { defaultValue: undefined });
      }
      const buried = await firstValueFrom(producer.watch(tube).reserveOne({ timeout: 1 }));
      await firstValueFrom(buried.bury(), { defaultValue: undefined });
      await firstValueFrom(producer.tube(tube).kick(1));
    }
    let afterWork = -1;
    const done = new Promise<void>((resolve, reject) => {
      const subscription = monitor(bs, { intervalMs: 200 }).subscribe({
        next: (snapshot) => {
          snapshots.push(snapshot);
          if (snapshots.length === 1) work().then(() => (afterWork = snapshots.length), reject);
          // The second snapshot after the work ended was surely sampled after it.
          if (afterWork > 0 && snapshots.length >= afterWork + 2) {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    await done;
    await producer.close();

    const grew = (rate: (s: MonitorSnapshot) => number) =>
      Math.round(snapshots.slice(1).reduce((sum, s) => sum + (rate(s) * s.elapsedMs) / 1000, 0));
    expect(snapshots[0].elapsedMs).toBe(0);
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    for (const s of snapshots.slice(1)) expect(s.elapsedMs).toBeGreaterThan(0);
    expect(grew((s) => s.rates.puts)).toBe(6);
    expect(grew((s) => s.rates.deletes)).toBe(3);
    expect(grew((s) => s.rates.buries)).toBe(1);
    expect(grew((s) => s.rates.kicks)).toBe(1);
    // reserve-with-timeout for the 4 reserves (the monitor itself reserves nothing).
    expect(grew((s) => s.rates.reserves)).toBe(4);
    expect(grew((s) => s.rates.timeouts)).toBe(0);
    const perTube = (s: MonitorSnapshot) => s.tubes.find((t) => t.name === tube);
    expect(grew((s) => perTube(s)?.rates.puts ?? 0)).toBe(6);
    expect(grew((s) => perTube(s)?.rates.deletes ?? 0)).toBe(3);
    const last = snapshots[snapshots.length - 1];
    expect(last.server.currentJobsReady).toBe(3);
    expect(perTube(last)?.stats).toMatchObject({ name: tube, currentJobsReady: 3, currentJobsBuried: 0, totalJobs: 6 });
    expect(snapshots.some((s) => s.appeared.includes(tube))).toBe(true);
  });

  it('reports tubes as they appear and disappear', async () => {
    const tube = freshTube('comes-and-goes');
    const seen: MonitorSnapshot[] = [];
    const watcher = await openRaw(env.server.port);
    const subscription = monitor(bs, { intervalMs: 100 }).subscribe((s) => seen.push(s));
    try {
      await waitFor(() => seen.length >= 1);
      expect(seen[0].tubes.map((t) => t.name)).not.toContain(tube);
      watcher.send(`watch ${tube}\r\n`);
      await waitFor(() => seen.some((s) => s.appeared.includes(tube)));
      expect(seen[seen.length - 1].tubes.map((t) => t.name)).toContain(tube);
      watcher.destroy();
      await waitFor(() => seen.some((s) => s.disappeared.includes(tube)));
      expect(seen[seen.length - 1].tubes.map((t) => t.name)).not.toContain(tube);
    } finally {
      subscription.unsubscribe();
      watcher.destroy();
    }
  });

  it('with `tubes`, samples only those, leaving out the ones that do not exist', async () => {
    const present = freshTube('present');
    const absent = freshTube('absent');
    await firstValueFrom(bs.tube(present).put('x'));
    const snapshot = await firstValueFrom(monitor(bs, { intervalMs: 1000, tubes: [present, absent] }));
    expect(snapshot.tubes.map((t) => t.name)).toEqual([present]);
    expect(snapshot.tubes[0].stats.currentJobsReady).toBe(1);
    expect(snapshot.server.currentTubes).toBeGreaterThanOrEqual(2);
  });

  it('asks for stats and every stats-tube in one pipelined round trip', async () => {
    const tubes = Array.from({ length: 60 }, () => freshTube('trip'));
    const watcher = await openRaw(env.server.port);
    watcher.send(tubes.map((t) => `watch ${t}\r\n`).join(''));
    await watcher.waitFor((text) => text.split('WATCHING').length - 1 === tubes.length);
    const proxy = await startTurnProxy(env.server.port);
    const viaProxy = Beanstalk.connect(proxy.url);
    try {
      const snapshot = await firstValueFrom(monitor(viaProxy, { intervalMs: 1000 }));
      expect(snapshot.tubes.length).toBeGreaterThanOrEqual(61);
      expect(proxy.linesMatching(/^stats-tube /)).toBe(snapshot.tubes.length);
      expect(proxy.roundTripsFor(/^stats-tube |^stats$/)).toBe(1);
      // list-tubes went first, in a round trip of its own.
      expect(proxy.roundTripsFor(/^list-tubes$/)).toBe(1);
      expect(proxy.roundTripsFor(/^list-tubes$|^stats$/)).toBe(2);
    } finally {
      await viaProxy.close();
      await proxy.close();
      watcher.destroy();
    }
  });

  it('stops sampling when unsubscribed', async () => {
    const snapshots = await lastValueFrom(monitor(bs, { intervalMs: 50 }).pipe(take(3), toArray()));
    expect(snapshots).toHaveLength(3);
    const before = await rawCounter(env.server.port, 'cmd-stats');
    await sleep(300);
    // Nothing but the second raw `stats` itself in between.
    expect((await rawCounter(env.server.port, 'cmd-stats')) - before).toBe(1);
  });

  it('works with any source that has stats(), listTubes() and tube(name).stats(), such as a pool', async () => {
    const calls: string[] = [];
    const source: MonitorSource = {
      stats: (): Observable<ServerStats> => (calls.push('stats'), bs.stats()),
      listTubes: (): Observable<string[]> => (calls.push('list'), bs.listTubes()),
      tube: (name) => ({ stats: (): Observable<TubeStats> => (calls.push(`tube ${name}`), bs.tube(name).stats()) }),
    };
    const snapshot = await firstValueFrom(monitor(source, { intervalMs: 1000 }));
    expect(snapshot.tubes.map((t) => t.name)).toContain('default');
    expect(calls).toEqual(expect.arrayContaining(['list', 'stats', 'tube default']));
  });

  it('monitors a Beanstalk.pool as it does one client: counts summed over its servers', async () => {
    const second = await startBeanstalkd();
    const tube = freshTube('pooled');
    const other = Beanstalk.connect(second.url);
    const pool = Beanstalk.pool([env.server.url, second.url]);
    try {
      await firstValueFrom(bs.tube(tube).put('on the first'));
      await firstValueFrom(other.tube(tube).put('on the second'));
      await firstValueFrom(other.tube(tube).put('on the second, too'));
      const snapshot = await firstValueFrom(monitor(pool, { intervalMs: 1000 }));
      expect(snapshot.tubes.find((t) => t.name === tube)?.stats.currentJobsReady).toBe(3);
      expect(snapshot.server.currentJobsReady).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all([pool.close(), other.close()]);
      await second.stop();
    }
  });

  it('refuses a bad interval or tube name through the Observable, sending nothing', async () => {
    const before = await rawCounter(env.server.port, 'total-connections');
    expect(await failure(monitor(bs, { intervalMs: 0 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await failure(monitor(bs, { intervalMs: 1.5 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await failure(monitor(bs, { tubes: ['bad name'] }))).toBeInstanceOf(InvalidTubeNameError);
    // Only the raw stats connection of this line: the client never connected.
    expect((await rawCounter(env.server.port, 'total-connections')) - before).toBe(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
