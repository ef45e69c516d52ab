import { Subject, firstValueFrom } from 'rxjs';
import { Beanstalk, work } from '../../src/index.js';
import { eventually } from '../support/raw-socket.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

/**
 * Regression: stopping a worker that had nothing in flight ended every stream at once,
 * before the grace-period timer was armed, so that timer (30 s by default) was never
 * cancelled and held the process open (jest: "A worker process has failed to exit
 * gracefully"). Fixed in src/worker/work.ts by arming the timer before stopping.
 */
const ctx = useBeanstalkd();

/** Live timers (setTimeout/setInterval, rxjs timers included) in this process. */
const liveTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

async function workOneJob(stopBy: 'unsubscribe' | 'stop'): Promise<number> {
  const bs = Beanstalk.connect(ctx.server.url);
  const tube = freshTube('shutdown');
  const stop = new Subject<void>();
  const handled: string[] = [];
  let completed = false;
  const worker = work({ client: bs, tubes: { [tube]: (job) => void handled.push(job.text()) }, stop }).subscribe({
    complete: () => (completed = true),
  });
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
  return liveTimers();
}

test.each(['unsubscribe', 'stop'] as const)(
  'a worker stopped (by %s) while idle leaves no timer behind',
  async (how) => {
    const before = liveTimers();
    expect(await workOneJob(how)).toBe(before);
  },
);
