import { Beanstalk } from '../../src/index.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube, useBeanstalkd } from '../helpers/setup.js';
import { eventually } from '../support/raw-socket.js';

// Settling a reserved job: priorities kept, and a settle once started always reaches the server.
describe('settling a reserved job', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'settle' });
  });
  afterEach(() => bs.close());

  const reserve = async (tube: string) => {
    const job = await bs.watch(tube).reserveOne({ timeout: 1 });
    if (!job) throw new Error('nothing reserved');
    return job;
  };

  test('release() and bury() without a priority keep the job its own (it used to become 1024)', async () => {
    const tube = bs.tube(freshTube());
    const id = await tube.put('p', { priority: 77 });
    await (await reserve(tube.name)).release();
    expect(await rawJobStats(ctx.server.port, id)).toMatchObject({ state: 'ready', pri: '77' });
    await (await reserve(tube.name)).bury();
    expect(await rawJobStats(ctx.server.port, id)).toMatchObject({ state: 'buried', pri: '77' });
    await tube.kick(1);
    // Known from an earlier stats(): no second stats-job before the release.
    const job = await reserve(tube.name);
    expect((await job.stats()).pri).toBe(77);
    const before = await rawCounter(ctx.server.port, 'cmd-stats-job');
    await job.release({ delay: 0 });
    expect(await rawCounter(ctx.server.port, 'cmd-stats-job')).toBe(before);
    // An explicit priority still wins.
    await (await reserve(tube.name)).release({ priority: 5 });
    expect(await rawJobStats(ctx.server.port, id)).toMatchObject({ state: 'ready', pri: '5' });
  });

  test('unsubscribing right after a settle started does not hold it back: the job never stays reserved', async () => {
    const tube = freshTube();
    const id = await bs.tube(tube).put('x');
    const job = await reserve(tube);
    job.delete().subscribe().unsubscribe(); // before the write went out
    await eventually(async () => (await rawJobStats(ctx.server.port, id)) === undefined, 3000, 'job deleted');
  });
});
