import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import {
  Beanstalk,
  InvalidArgumentError,
  InvalidTubeNameError,
  JobSettledError,
  monitor,
  work,
} from '../../src/index.js';
import type { BeanstalkPool, Job } from '../../src/index.js';
import { rawCounter } from '../helpers/raw.js';
import { failure, freshTube, useBeanstalkd } from '../helpers/setup.js';

// One error policy: a bad argument to any method that returns an Observable never throws
// from the call; it fails that Observable with InvalidArgumentError (or InvalidTubeNameError)
// before a byte is written. (validation.spec.ts covers the commands' own arguments.)
describe('every bad argument fails through the returned Observable', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  let pool: BeanstalkPool;
  let job: Job;
  beforeAll(async () => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'policy' });
    pool = Beanstalk.pool([ctx.server.url], { name: 'policy-pool' });
    const tube = freshTube();
    await bs.tube(tube).put('held');
    job = await bs.watch(tube).reserveOne();
  });
  afterAll(async () => {
    await job.delete().catch(() => undefined);
    await Promise.all([bs.close(), pool.close()]);
  });

  type Case = [string, () => Observable<unknown>, typeof InvalidArgumentError | typeof InvalidTubeNameError];
  const cases: Case[] = [
    ['Beanstalk.reserveJob(0)', () => bs.reserveJob(0), InvalidArgumentError],
    ['Beanstalk.kickJob(-1)', () => bs.kickJob(-1), InvalidArgumentError],
    ['Beanstalk.statsJob(1.5)', () => bs.statsJob(1.5), InvalidArgumentError],
    ['Beanstalk.putJson with ttr 0', () => bs.putJson({ a: 1 }, { ttr: 0 }), InvalidArgumentError],
    ['Tube.peekBuried of a bad name', () => bs.tube('a b').peekBuried(), InvalidTubeNameError],
    ['TubeSet.reserve concurrency 0', () => bs.watch('ok').reserve({ concurrency: 0 }), InvalidArgumentError],
    ['TubeSet.reserve connections 0', () => bs.watch('ok').reserve({ connections: 0 }), InvalidArgumentError],
    [
      'TubeSet.reserve onDeadlineSoon',
      () => bs.watch('ok').reserve({ onDeadlineSoon: 'x' as 'leave' }),
      InvalidArgumentError,
    ],
    ['TubeSet.reserve of a bad name', () => bs.watch('a b').reserve(), InvalidTubeNameError],
    ['Job.release priority -1', () => job.release({ priority: -1 }), InvalidArgumentError],
    ['Job.release delay 2^32', () => job.release({ delay: 2 ** 32 }), InvalidArgumentError],
    ['Job.bury priority 1.5', () => job.bury(1.5), InvalidArgumentError],
    ['pool put priority -1', () => pool.put('x', { priority: -1 }), InvalidArgumentError],
    ['PoolServer.peek(0)', () => pool.server(0).peek(0), InvalidArgumentError],
    ['PoolServer.delete(-1)', () => pool.server(0).delete(-1), InvalidArgumentError],
    ['PoolTube.kick(-1)', () => pool.tube('t').kick(-1), InvalidArgumentError],
    ['PoolTube.pause of a bad name', () => pool.tube('a b').pause(1), InvalidTubeNameError],
    ['PoolTubeSet.reserveOne timeout -1', () => pool.watch('ok').reserveOne({ timeout: -1 }), InvalidArgumentError],
    ['PoolTubeSet.reserve concurrency 1.5', () => pool.watch('ok').reserve({ concurrency: 1.5 }), InvalidArgumentError],
    ['work() without tubes', () => work({ client: bs, tubes: {} }), InvalidArgumentError],
    [
      'work() with a handler that is no function',
      () => work({ client: bs, tubes: { ok: 5 as never } }),
      InvalidArgumentError,
    ],
    [
      'work() concurrency 0',
      () => work({ client: bs, tubes: { ok: () => undefined }, concurrency: 0 }),
      InvalidArgumentError,
    ],
    ['monitor() intervalMs 0', () => monitor(bs, { intervalMs: 0 }), InvalidArgumentError],
    ['monitor() of a bad tube', () => monitor(bs, { tubes: ['a b'] }), InvalidTubeNameError],
  ];

  test.each(cases)('%s', async (_label, call, ErrorClass) => {
    const puts = await rawCounter(ctx.server.port, 'cmd-put');
    let result: Observable<unknown> | undefined;
    expect(() => (result = call())).not.toThrow();
    const error = await failure(result!);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(await rawCounter(ctx.server.port, 'cmd-put')).toBe(puts);
  });

  test('the job is still reserved and usable after refused settles', async () => {
    expect(job.settled).toBe(false);
    const stats = await job.stats();
    expect(stats.state).toBe('reserved');
  });

  test('JobSettledError names the connection and the command, as every error does', async () => {
    const tube = freshTube();
    await bs.tube(tube).put('once');
    const settled = await bs.watch(tube).reserveOne();
    await settled.delete();
    const again = await failure(settled.release({ delay: 2 }));
    expect(again).toBeInstanceOf(JobSettledError);
    const lane = /^policy\/lane-\d+$/;
    expect((again as JobSettledError).connection).toMatch(lane);
    expect((again as JobSettledError).command).toBe(`release ${settled.id} 1024 2`);
    expect((again as Error).message).toMatch(/\[policy\/lane-\d+\], command "release \d+ 1024 2"/);
    const touch = await failure(settled.touch());
    expect((touch as JobSettledError).connection).toMatch(lane);
    expect((touch as JobSettledError).command).toBe(`touch ${settled.id}`);
  });

  test('bad pool options throw at Beanstalk.pool, as connect() does, not later from a command', () => {
    expect(() => Beanstalk.pool([ctx.server.url], { maxResends: -1 })).toThrow(InvalidArgumentError);
    expect(() => Beanstalk.pool(['http://x:1'])).toThrow(InvalidArgumentError);
    expect(() => Beanstalk.pool([ctx.server.url], { retry: { maxAttempts: -1 } })).toThrow(InvalidArgumentError);
  });
});

test('firstValueFrom of a bad command rejects instead of throwing', async () => {
  const bs = Beanstalk.connect('beanstalk://127.0.0.1:1');
  await expect(firstValueFrom(bs.tube('a b').kick(1))).rejects.toBeInstanceOf(InvalidTubeNameError);
  await bs.close({ timeoutMs: 0 });
});
