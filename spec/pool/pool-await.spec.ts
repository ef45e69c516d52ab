import { Observable } from 'rxjs';
import { Awaitable, Beanstalk } from '../../src/index.js';
import type { BeanstalkPool } from '../../src/index.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube } from '../helpers/setup.js';
import { useBeanstalkdPool } from './servers.js';

// A pool's single-result commands can be awaited like a client's (issue 18): `await pool.put()`
// used to compile and send nothing.
describe('awaiting a pool', () => {
  const ctx = useBeanstalkdPool(2);
  let pool: BeanstalkPool;
  beforeEach(() => {
    pool = Beanstalk.pool(ctx.urls);
  });
  afterEach(() => pool.close());

  test('put, peek, reserveOne, delete, kick, pause and stats are awaitable and still Observables', async () => {
    const tube = pool.tube(freshTube());
    const commands = [pool.put('x'), tube.peekReady(), tube.stats(), tube.pause(0), pool.stats(), pool.listTubes()];
    for (const command of commands) {
      expect(command).toBeInstanceOf(Observable);
      expect(command).toBeInstanceOf(Awaitable);
    }
    expect(await tube.peekReady()).toBeUndefined();
    expect(await pool.watch(tube.name).reserveOne({ timeout: 0 })).toBeUndefined();
    const ref = await tube.put('awaited');
    const port = ctx.servers[ref.server.index].port;
    expect((await rawJobStats(port, ref.id))?.state).toBe('ready');
    expect((await tube.peekReady())?.id).toBe(ref.id);
    expect(await tube.pause(0)).toBeUndefined();
    expect((await tube.stats()).currentJobsReady).toBe(1);
    const job = await pool.watch(tube.name).reserveOne({ timeout: 1 });
    expect(job?.id).toBe(ref.id);
    await job?.bury();
    expect(await tube.kick(5)).toBe(1);
    await pool.delete(ref);
    expect(await rawJobStats(port, ref.id)).toBeUndefined();
  });

  test("a server's own commands (pool.server(i).peek(id)...) are awaitable too; awaiting runs once", async () => {
    const tube = pool.tube(freshTube());
    const ref = await tube.put('on one server');
    const server = pool.server(ref.server.index);
    const port = ctx.servers[ref.server.index].port;
    const commands = [
      server.peek(ref.id),
      server.statsJob(ref.id),
      server.stats(),
      server.listTubes(),
      server.kickJob(ref.id),
      server.reserveJob(ref.id),
      server.delete(ref.id),
    ];
    for (const command of commands) {
      expect(command).toBeInstanceOf(Observable);
      expect(command).toBeInstanceOf(Awaitable);
    }
    // Nothing is sent until the command is awaited or subscribed.
    const peeksBefore = await rawCounter(port, 'cmd-peek');
    const peek = server.peek(ref.id);
    const [first, second] = [await peek, await peek];
    expect(first?.id).toBe(ref.id);
    expect(second).toBe(first);
    expect(first?.server).toBe(server);
    expect(await rawCounter(port, 'cmd-peek')).toBe(peeksBefore + 1);

    expect((await server.statsJob(ref.id)).state).toBe('ready');
    expect((await server.stats()).currentJobsReady).toBeGreaterThanOrEqual(1);
    expect(await server.listTubes()).toContain(tube.name);
    const job = await server.reserveJob(ref.id);
    expect(job.server).toBe(server);
    expect((await rawJobStats(port, ref.id))?.state).toBe('reserved');
    await job.bury();
    expect(await server.kickJob(ref.id)).toBeUndefined();
    expect((await rawJobStats(port, ref.id))?.state).toBe('ready');
    expect(await server.delete(ref.id)).toBeUndefined();
    expect(await rawJobStats(port, ref.id)).toBeUndefined();
    // A peek that finds nothing resolves undefined (on the server and through the pool).
    expect(await server.peek(ref.id)).toBeUndefined();
    expect(await pool.peek(ref)).toBeUndefined();
    await expect(server.statsJob(ref.id)).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
