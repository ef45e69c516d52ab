import { firstValueFrom } from 'rxjs';
import { Beanstalk, BuriedError, JobSettledError, NotFoundError } from '../../src/index.js';
import { rawCounter, rawJobStats, rawStats } from '../helpers/raw.js';
import { all, failure, freshTube, maybe, useBeanstalkd } from '../helpers/setup.js';

// Every command against a real beanstalkd, each checked against the server's own view
// (stats-job / stats read over a separate raw socket, or peek), not only our return value.
describe('every command on a real beanstalkd', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeAll(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'spec' });
  });
  afterAll(() => bs.close());

  const jobStats = async (id: number) => rawJobStats(ctx.server.port, id);

  test('put into default and a named tube (use sent for the tube)', async () => {
    const tube = freshTube();
    const id1 = await firstValueFrom(bs.put('a', { priority: 5, delay: 0, ttr: 7 }));
    const id2 = await firstValueFrom(bs.tube(tube).put(Buffer.from('bb')));
    expect(await jobStats(id1)).toMatchObject({ tube: 'default', state: 'ready', pri: '5', ttr: '7' });
    expect(await jobStats(id2)).toMatchObject({ tube, state: 'ready', pri: '1024', ttr: '60' });
  });

  test('put with delay makes a delayed job; peekDelayed finds it; kick makes it ready', async () => {
    const tube = bs.tube(freshTube());
    const id = await firstValueFrom(tube.put('later', { delay: 100 }));
    expect((await jobStats(id))?.state).toBe('delayed');
    expect((await maybe(tube.peekDelayed()))?.id).toBe(id);
    expect(await firstValueFrom(tube.kick(10))).toBe(1);
    expect((await jobStats(id))?.state).toBe('ready');
  });

  test('peek, peekReady, peekBuried; empty when nothing is there', async () => {
    const tube = bs.tube(freshTube());
    expect(await maybe(tube.peekReady())).toBeUndefined();
    expect(await maybe(tube.peekBuried())).toBeUndefined();
    expect(await maybe(tube.peekDelayed())).toBeUndefined();
    const id = await firstValueFrom(tube.put('peek me'));
    const ready = await maybe(tube.peekReady());
    expect(ready?.id).toBe(id);
    expect(ready?.text()).toBe('peek me');
    const byId = await maybe(bs.peek(id));
    expect(byId?.body.equals(Buffer.from('peek me'))).toBe(true);
    expect(await maybe(bs.peek(99999999))).toBeUndefined();
  });

  test('reserveOne, then delete: the server no longer has the job', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('work'));
    const job = await firstValueFrom(bs.watch(tube).reserveOne({ timeout: 1 }));
    expect(job.id).toBe(id);
    expect((await jobStats(id))?.state).toBe('reserved');
    await firstValueFrom(job.delete());
    expect(await jobStats(id)).toBeUndefined();
  });

  test('reserveOne with a timeout on an empty tube completes empty', async () => {
    const started = Date.now();
    expect(await maybe(bs.watch(freshTube()).reserveOne({ timeout: 0 }))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('release with priority and delay; the server counts the release', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('x'));
    const job = await firstValueFrom(bs.watch(tube).reserveOne());
    await firstValueFrom(job.release({ priority: 7, delay: 50 }));
    expect(await jobStats(id)).toMatchObject({ state: 'delayed', pri: '7', releases: '1', reserves: '1' });
  });

  test('bury and kick-job; peekBuried sees the buried job', async () => {
    const tube = bs.tube(freshTube());
    const id = await firstValueFrom(tube.put('x'));
    const job = await firstValueFrom(bs.watch(tube.name).reserveOne());
    await firstValueFrom(job.bury(3));
    expect(await jobStats(id)).toMatchObject({ state: 'buried', pri: '3', buries: '1' });
    expect((await maybe(tube.peekBuried()))?.id).toBe(id);
    await firstValueFrom(bs.kickJob(id));
    expect((await jobStats(id))?.state).toBe('ready');
    expect(await failure(bs.kickJob(id))).toBeInstanceOf(NotFoundError);
  });

  test('touch restarts the TTR; job.stats() and statsJob read the server', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('x', { ttr: 5 }));
    const job = await firstValueFrom(bs.watch(tube).reserveOne());
    await firstValueFrom(job.touch());
    const stats = await firstValueFrom(job.stats());
    expect(stats).toMatchObject({ id, tube, state: 'reserved', ttr: 5, reserves: 1 });
    expect(stats.timeLeft).toBeGreaterThanOrEqual(3);
    expect((await firstValueFrom(bs.statsJob(id))).state).toBe('reserved');
    await firstValueFrom(job.delete());
  });

  test('a settled job refuses a second settle or a touch without touching the wire', async () => {
    const tube = freshTube();
    await firstValueFrom(bs.tube(tube).put('x'));
    const job = await firstValueFrom(bs.watch(tube).reserveOne());
    await firstValueFrom(job.delete());
    const before = await rawCounter(ctx.server.port, 'cmd-delete');
    const touchesBefore = await rawCounter(ctx.server.port, 'cmd-touch');
    expect(await failure(job.delete())).toBeInstanceOf(JobSettledError);
    expect(await failure(job.release())).toBeInstanceOf(JobSettledError);
    expect(await failure(job.touch())).toBeInstanceOf(JobSettledError);
    expect(await rawCounter(ctx.server.port, 'cmd-delete')).toBe(before);
    expect(await rawCounter(ctx.server.port, 'cmd-touch')).toBe(touchesBefore);
  });

  test('reserveJob takes a specific job, even a delayed one', async () => {
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put('x', { delay: 100 }));
    const job = await firstValueFrom(bs.reserveJob(id));
    expect(job.id).toBe(id);
    expect((await jobStats(id))?.state).toBe('reserved');
    await firstValueFrom(job.delete());
    expect(await failure(bs.reserveJob(id))).toBeInstanceOf(NotFoundError);
  });

  test('delete by id, and NotFoundError for a job that is gone', async () => {
    const id = await firstValueFrom(bs.put('x'));
    await firstValueFrom(bs.delete(id));
    expect(await jobStats(id)).toBeUndefined();
    const error = await failure(bs.delete(id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ connection: 'spec', command: `delete ${id}`, reply: 'NOT_FOUND' });
  });

  test('stats, stats-tube, list-tubes, list-tube-used, list-tubes-watched', async () => {
    const name = freshTube();
    await firstValueFrom(bs.tube(name).put('x'));
    const server = await firstValueFrom(bs.stats());
    const raw = await rawStats(ctx.server.port);
    expect(server.pid).toBe(Number(raw.pid));
    expect(server.version).toBe('1.12');
    expect(typeof server.draining).toBe('boolean');
    expect(server.currentJobsReady).toBeGreaterThanOrEqual(1);
    const tubeStats = await firstValueFrom(bs.tube(name).stats());
    expect(tubeStats).toMatchObject({ name, currentJobsReady: 1, totalJobs: 1, currentUsing: 1 });
    expect(await firstValueFrom(bs.listTubes())).toEqual(expect.arrayContaining(['default', name]));
    expect(await firstValueFrom(bs.listTubeUsed())).toBe(name);
    expect(await firstValueFrom(bs.listTubesWatched())).toEqual(['default']);
    expect(await failure(bs.tube(freshTube()).stats())).toBeInstanceOf(NotFoundError);
  });

  test('pause-tube: the server reports the pause', async () => {
    const tube = bs.tube(freshTube());
    await firstValueFrom(tube.put('x'));
    await firstValueFrom(tube.pause(30));
    expect(await firstValueFrom(tube.stats())).toMatchObject({ pause: 30 });
    expect(await maybe(bs.watch(tube.name).reserveOne({ timeout: 0 }))).toBeUndefined();
    await firstValueFrom(tube.pause(0));
    expect(await maybe(bs.watch(tube.name).reserveOne({ timeout: 1 }))).toBeDefined();
  });

  test('reserve from several watched tubes, and watch exactly those', async () => {
    const [a, b] = [freshTube(), freshTube()];
    await firstValueFrom(bs.tube(b).put('from b'));
    const job = await firstValueFrom(bs.watch(a, b).reserveOne({ timeout: 1 }));
    expect(job.text()).toBe('from b');
    await firstValueFrom(job.delete());
    await firstValueFrom(bs.put('in default'));
    expect(await maybe(bs.watch(a, b).reserveOne({ timeout: 0 }))).toBeUndefined();
  });

  test('putJson and job.json round-trip an object', async () => {
    const tube = freshTube();
    await firstValueFrom(bs.tube(tube).putJson({ to: 'a@b.c', n: [1, 2] }));
    const job = await firstValueFrom(bs.watch(tube).reserveOne());
    expect(job.json<{ to: string; n: number[] }>()).toEqual({ to: 'a@b.c', n: [1, 2] });
    await firstValueFrom(job.delete());
  });

  test('commands after close fail with ConnectionError at once', async () => {
    const other = Beanstalk.connect(ctx.server.url);
    await firstValueFrom(other.put('x'));
    await other.close();
    expect(await failure(other.put('y'))).toMatchObject({ name: 'ConnectionError' });
  });

  test('close right after subscribing lets the command finish first', async () => {
    const other = Beanstalk.connect(ctx.server.url);
    const id = firstValueFrom(other.put('sent before close'));
    await other.close();
    expect((await maybe(bs.peek(await id)))?.text()).toBe('sent before close');
  });

  test('BuriedError carries the job id (class shape)', () => {
    const error = new BuriedError('buried', { command: 'put 0 0 1 1', reply: 'BURIED 9' }, 9);
    expect(error.id).toBe(9);
    expect(error.message).toContain('BURIED 9');
  });

  test('list-tubes returns names like null and 123 as strings', async () => {
    await firstValueFrom(bs.tube('null').put('x'));
    await firstValueFrom(bs.tube('123').put('x'));
    const tubes = await all(bs.listTubes());
    expect(tubes[0]).toEqual(expect.arrayContaining(['null', '123']));
  });
});
