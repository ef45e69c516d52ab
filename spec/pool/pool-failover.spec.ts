import {
  Subject,
  catchError,
  from,
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  mergeMap,
  of,
  range,
  take,
  timer,
  toArray,
} from 'rxjs';
import { Beanstalk, CommandTimeoutError, ConnectionError } from '../../src/index.js';
import type { BeanstalkPool, JobRef } from '../../src/index.js';
import { settleWithin } from '../helpers/bounded.js';
import { freshTube, sleep } from '../helpers/setup.js';
import { freePort } from '../../src/testing/index.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { HostileServer } from '../support/hostile-server.js';
import { useBeanstalkdPool } from './servers.js';

const JOBS = Number(process.env.POOL_FAILOVER_JOBS ?? 6000);
const retry = { initialDelayMs: 50, maxDelayMs: 300 };

/** Waits (bounded) until `check` holds. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

describe('a pool when a server is SIGKILLed and restarted with its binlog', () => {
  const ctx = useBeanstalkdPool(3);

  test('puts continue on the others, no acknowledged job is lost, workers keep consuming, the server rejoins', async () => {
    const pool: BeanstalkPool = Beanstalk.pool(ctx.urls, { name: 'pool', retry });
    const tube = freshTube('kill');
    const acked = new Map<number, JobRef>();
    const consumed = new Map<number, number>();
    const failures: unknown[] = [];
    const stop = new Subject<void>();
    // A pooled consumer running all along.
    const consumer = pool
      .watch(tube)
      .reserve({ concurrency: 6, until: stop })
      .pipe(
        mergeMap((job) => {
          const n = Number(job.text());
          consumed.set(n, (consumed.get(n) ?? 0) + 1);
          // A little work per job, so a backlog builds up on every server.
          return timer(1).pipe(mergeMap(() => job.delete().pipe(catchError(() => of(undefined)))));
        }, 6),
      )
      .subscribe();

    const half = Math.floor(JOBS / 2);
    // Server 1 is killed from inside the put that is its KILL_AFTER-th of the second half, so
    // puts are in flight to it, and at most the 50 in flight can still be acknowledged by it
    // (replies it wrote before dying): a fixed sleep here let a loaded machine ack many more.
    const KILL_AFTER = 30;
    let secondHalfOnKilled = 0;
    let killed: Promise<void> | undefined;
    const put = (i: number) =>
      pool
        .tube(tube)
        .put(String(i))
        .pipe(
          map((ref) => {
            acked.set(i, ref);
            if (i >= half && ref.server.index === 1 && ++secondHalfOnKilled === KILL_AFTER) {
              killed = ctx.servers[1].stop('SIGKILL');
            }
          }),
          catchError((error: unknown) => of(void failures.push(error))),
        );
    await lastValueFrom(range(0, half).pipe(mergeMap(put, 50), toArray()));
    await eventually(() => consumed.size > half / 3, 10000, 'consuming started');

    // Kill server 1 while puts are in flight.
    const second = lastValueFrom(range(half, JOBS - half).pipe(mergeMap(put, 50), toArray()));
    await eventually(() => killed !== undefined, 20000, 'server 1 killed mid-put');
    await killed;
    const waitingOnKilled = [...acked.entries()].filter(([i, ref]) => ref.server.index === 1 && !consumed.has(i));
    expect(waitingOnKilled.length).toBeGreaterThan(0);
    await second;
    expect(pool.servers[1].state).toBe('down');
    // Only puts that may have reached the dead server failed, and they say so.
    for (const error of failures) {
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).mayHaveReachedServer).toBe(true);
    }
    expect(failures.length).toBeLessThan(100);
    const afterKill = [...acked.entries()].filter(([i]) => i >= half);
    expect(afterKill.length).toBeGreaterThan((JOBS - half) * 0.9);
    // KILL_AFTER before the kill, and at most the 50 then in flight after it.
    expect(afterKill.filter(([, ref]) => ref.server.index === 1).length).toBeLessThanOrEqual(KILL_AFTER + 50);

    // The survivors' jobs are all consumed while server 1 is down.
    const onSurvivors = [...acked.entries()].filter(([, ref]) => ref.server.index !== 1);
    await eventually(() => onSurvivors.every(([i]) => consumed.has(i)), 20000, 'survivors drained');

    expect(pool.servers[1].state).toBe('down');
    expect(waitingOnKilled.some(([i]) => consumed.has(i))).toBe(false);
    // Back on its port with its binlog: it rejoins, and its acknowledged jobs are consumed.
    await ctx.restart(1);
    await firstValueFrom(pool.servers[1].state$.pipe(filter((state) => state === 'up')));
    await eventually(() => [...acked.keys()].every((i) => consumed.has(i)), 20000, 'every acknowledged job consumed');
    // Puts reach it again.
    const again = await lastValueFrom(
      range(0, 30).pipe(
        mergeMap(() =>
          pool
            .tube(tube)
            .put('x')
            .pipe(map((r) => r.server.index)),
        ),
        toArray(),
      ),
    );
    expect(again).toContain(1);

    stop.next();
    await sleep(50);
    consumer.unsubscribe();
    await pool.close();
  }, 60000);
});

describe('a pool with a server that accepts connections and never answers', () => {
  const ctx = useBeanstalkdPool(2);
  let silent: HostileServer;
  beforeAll(async () => {
    silent = await startHostileServer('silent');
  });
  afterAll(() => silent.close());

  test('routes around it within commandTimeoutMs; nothing hangs', async () => {
    const commandTimeoutMs = 800;
    const pool = Beanstalk.pool([ctx.urls[0], silent.url, ctx.urls[1]], { commandTimeoutMs, retry });
    const tube = freshTube('silent');
    const started = Date.now();
    const refs = await lastValueFrom(
      range(0, 300).pipe(
        mergeMap(() => pool.tube(tube).put('x'), 50),
        toArray(),
      ),
    );
    expect(Date.now() - started).toBeLessThan(commandTimeoutMs + 3000);
    expect(refs.filter((ref) => ref.server.index === 1)).toHaveLength(0);
    // Puts stop waiting for its probe commandTimeoutMs after the first put; the probe itself
    // times out commandTimeoutMs after its command was written (a little later), so the server
    // may still be 'connecting' here: it must be down within the same bound.
    const down = await settleWithin(
      pool.servers[1].state$.pipe(
        filter((state) => state !== 'connecting'),
        take(1),
      ),
      Math.max(0, started + commandTimeoutMs + 3000 - Date.now()),
    );
    expect(down).toMatchObject({ kind: 'value', value: 'down' });
    expect(await firstValueFrom(pool.state$)).toEqual(['up', 'down', 'up']);

    // Fan-out queries answer from the others and say what the silent one did.
    const stats = await settleWithin(pool.tube(tube).statsByServer(), commandTimeoutMs + 3000);
    expect(stats.kind).toBe('value');
    if (stats.kind === 'value') {
      expect(stats.value?.total.currentJobsReady).toBe(300);
      expect(stats.value?.servers[1].error).toBeInstanceOf(ConnectionError);
    }
    // A pooled reserve consumes everything from the good servers.
    let deleted = 0;
    const stop = new Subject<void>();
    const consumer = pool
      .watch(tube)
      .reserve({ concurrency: 3, until: stop })
      .pipe(mergeMap((job) => job.delete().pipe(map(() => deleted++)), 3))
      .subscribe();
    await eventually(() => deleted === 300, 10000, 'all 300 consumed');
    stop.next();
    await sleep(20);
    consumer.unsubscribe();
    const closing = settleWithin(of(pool.close()).pipe(mergeMap((p) => p)), commandTimeoutMs + 3000);
    expect((await closing).kind).toBe('value');
  }, 30000);

  test('a server that stops answering after it was up: its puts time out, later puts go elsewhere', async () => {
    const commandTimeoutMs = 800;
    const pool = Beanstalk.pool(ctx.urls, { commandTimeoutMs, retry });
    const tube = freshTube('stop');
    await lastValueFrom(
      range(0, 10).pipe(
        mergeMap(() => pool.tube(tube).put('x')),
        toArray(),
      ),
    );
    process.kill(ctx.servers[0].pid, 'SIGSTOP');
    try {
      const outcomes = await lastValueFrom(
        range(0, 20).pipe(
          mergeMap(() =>
            pool
              .tube(tube)
              .put('y')
              .pipe(
                map((ref) => ref.server.index),
                catchError((error: unknown) => of(error)),
              ),
          ),
          toArray(),
        ),
      );
      const timedOut = outcomes.filter((o) => o instanceof CommandTimeoutError);
      expect(timedOut.length).toBeGreaterThan(0); // those sent to the frozen server: maybe put, never retried
      expect(timedOut.every((e) => e.mayHaveReachedServer)).toBe(true);
      expect(pool.servers[0].state).toBe('down');
      const later = await settleWithin(
        range(0, 10).pipe(
          mergeMap(() =>
            pool
              .tube(tube)
              .put('z')
              .pipe(map((ref) => ref.server.index)),
          ),
          toArray(),
        ),
        commandTimeoutMs,
      );
      expect(later.kind).toBe('value');
      if (later.kind === 'value') expect(later.value).toEqual(Array(10).fill(1));
    } finally {
      process.kill(ctx.servers[0].pid, 'SIGCONT');
    }
    await pool.close();
  }, 30000);
});

describe('a pool with no server reachable', () => {
  test('puts fail in bounded time with ConnectionError (never sent); reserve waits; close ends all', async () => {
    const ports = [await freePort(), await freePort()];
    const pool = Beanstalk.pool(
      ports.map((port) => `beanstalk://127.0.0.1:${port}`),
      { retry },
    );
    const put = await settleWithin(pool.put('x'), 3000);
    expect(put.kind).toBe('error');
    if (put.kind === 'error') {
      expect(put.error).toBeInstanceOf(ConnectionError);
      expect((put.error as ConnectionError).mayHaveReachedServer).toBe(false);
    }
    expect(await firstValueFrom(pool.state$)).toEqual(['down', 'down']);
    let ended = false;
    const reserving = pool
      .watch('default')
      .reserve()
      .subscribe({ complete: () => (ended = true) });
    await sleep(200);
    expect(ended).toBe(false); // an endless stream waits for a server to come up
    const closed = await settleWithin(from(pool.close()), 3000);
    expect(closed.kind).toBe('value');
    expect(ended).toBe(true);
    reserving.unsubscribe();
  });
});
