import { Subject, firstValueFrom } from 'rxjs';
import { Beanstalk, work } from '../../src/index.js';
import { eventually } from '../support/raw-socket.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

/**
 * Regression: stopping a worker that had nothing in flight ended every stream at once,
 * before the grace-period timer was armed, so that timer (30 s by default) was never
 * cancelled and held the process open (jest: "A worker process has failed to exit
 * gracefully"). Fixed in src/worker/work.ts by arming the timer before stopping.
 *
 * The grace timer is told apart by its unusual length. (Counting every live timer of the
 * process was not reliable: timers left from starting the server expire during the test.)
 */
const ctx = useBeanstalkd();
const GRACE_MS = 31_234;

async function workOneJob(stopBy: 'unsubscribe' | 'stop'): Promise<{ armed: number; leftAlive: number }> {
  // RxJS schedules timer() with setInterval (and clears it with clearInterval): watch both kinds.
  const graceTimers: unknown[] = [];
  const cleared = new Set<unknown>();
  const spies = (['setTimeout', 'setInterval'] as const).map((name) => {
    const real = global[name];
    return jest.spyOn(global, name).mockImplementation((callback: () => void, ms?: number) => {
      const handle = real(callback, ms);
      if (ms === GRACE_MS) graceTimers.push(handle);
      return handle;
    });
  });
  for (const name of ['clearTimeout', 'clearInterval'] as const) {
    const real = global[name];
    spies.push(
      jest.spyOn(global, name).mockImplementation((handle) => {
        cleared.add(handle);
        real(handle);
      }) as never,
    );
  }
  try {
    const bs = Beanstalk.connect(ctx.server.url);
    const tube = freshTube('shutdown');
    const stop = new Subject<void>();
    const handled: string[] = [];
    let completed = false;
    const worker = work({
      client: bs,
      tubes: { [tube]: (job) => void handled.push(job.text()) },
      stop,
      gracePeriodMs: GRACE_MS,
    }).subscribe({ complete: () => (completed = true) });
    await firstValueFrom(bs.tube(tube).put('one'));
    await eventually(() => handled.length === 1, 3000, 'job handled');
    if (stopBy === 'stop') {
      stop.next();
      await eventually(() => completed, 3000, 'worker completed');
    } else {
      worker.unsubscribe();
    }
    await bs.close();
    expect(handled).toEqual(['one']);
    await sleep(20);
    return { armed: graceTimers.length, leftAlive: graceTimers.filter((t) => !cleared.has(t)).length };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

test.each(['unsubscribe', 'stop'] as const)(
  'a worker stopped (by %s) while idle leaves no timer behind',
  async (how) => {
    expect(await workOneJob(how)).toEqual({ armed: 1, leftAlive: 0 });
  },
);
