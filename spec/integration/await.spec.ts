import { EmptyError, Observable, firstValueFrom, from, lastValueFrom, mergeMap, of, toArray } from 'rxjs';
import { Awaitable, Beanstalk, InvalidArgumentError, NotFoundError } from '../../src/index.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { rawTubeStats, within } from '../helpers/bounded.js';
import { failure, freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { eventually } from '../support/raw-socket.js';

// `await` on a command runs it: before issue 18, `await job.delete()` compiled and sent nothing.
describe('awaitable commands', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeEach(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'await' });
  });
  afterEach(() => bs.close());

  test('await job.delete() and await tube.pause() really act on the server', async () => {
    const tube = bs.tube(freshTube());
    const id = await tube.put('x');
    const job = await tube.watch().reserveOne({ timeout: 1 });
    expect(job?.id).toBe(id);
    await job?.delete();
    expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();
    await tube.pause(30);
    expect((await rawTubeStats(ctx.server.port, tube.name))?.pause).toBe(30);
  });

  test('every single-result command is an Awaitable and an Observable', async () => {
    const tube = bs.tube(freshTube());
    const id = await tube.put('a');
    const job = await bs.peek(id);
    if (!job) throw new Error('peek found nothing');
    const commands = [
      bs.put('d'),
      bs.putJson({ a: 1 }),
      bs.stats(),
      bs.statsJob(id),
      bs.listTubes(),
      bs.listTubeUsed(),
      bs.listTubesWatched(),
      bs.peek(id),
      bs.kickJob(id),
      tube.put('b'),
      tube.putJson(2),
      tube.peekReady(),
      tube.peekDelayed(),
      tube.peekBuried(),
      tube.kick(1),
      tube.stats(),
      tube.pause(0),
      job.stats(),
      job.kick(),
      job.touch(),
      bs.delete(id),
      tube.watch().reserveOne({ timeout: 0 }),
      bs.reserveJob(id),
    ];
    for (const command of commands) {
      expect(command).toBeInstanceOf(Observable);
      expect(command).toBeInstanceOf(Awaitable);
      expect(typeof command.then).toBe('function');
    }
    // Nothing was sent by creating them: cold.
    expect((await rawJobStats(ctx.server.port, id))?.state).toBe('ready');
  });

  test('awaiting the same object twice runs it once; subscribing runs it again each time', async () => {
    const tube = bs.tube(freshTube());
    const put = tube.put('once');
    const [a, b] = await Promise.all([put, put]);
    expect(await put).toBe(a);
    expect(b).toBe(a);
    expect((await rawTubeStats(ctx.server.port, tube.name))?.['total-jobs']).toBe(1);
    const c = await firstValueFrom(put);
    const d = await lastValueFrom(put);
    expect(new Set([a, c, d]).size).toBe(3);
    expect((await rawTubeStats(ctx.server.port, tube.name))?.['total-jobs']).toBe(3);
    // result() is a fresh run each time.
    const e = await put.result();
    expect(e).toBeGreaterThan(d);
  });

  test('RxJS treats it as an Observable: from, mergeMap, firstValueFrom subscribe, never await it', async () => {
    const tube = bs.tube(freshTube());
    const put = tube.put('x');
    const ids = await lastValueFrom(
      of(1, 2, 3).pipe(
        mergeMap(() => put),
        toArray(),
      ),
    );
    expect(new Set(ids).size).toBe(3);
    expect(await firstValueFrom(from(put))).toBeGreaterThan(Math.max(...ids));
    // An empty peek completes empty as an Observable (the EmptyError idiom) ...
    const empty = bs.tube(freshTube()).peekReady();
    await expect(firstValueFrom(empty)).rejects.toBeInstanceOf(EmptyError);
    expect(await firstValueFrom(empty, { defaultValue: undefined })).toBeUndefined();
    // ... and resolves to undefined when awaited.
    expect(await empty).toBeUndefined();
    expect(await bs.watch(freshTube()).reserveOne({ timeout: 0 })).toBeUndefined();
  });

  test('failures reject the await with the typed error; bad input is refused before sending', async () => {
    await expect(bs.delete(2 ** 40)).rejects.toBeInstanceOf(NotFoundError);
    expect(await bs.delete(2 ** 40).catch((error: unknown) => error)).toBeInstanceOf(NotFoundError);
    let finallyRan = false;
    await expect(bs.delete(2 ** 40).finally(() => (finallyRan = true))).rejects.toBeInstanceOf(NotFoundError);
    expect(finallyRan).toBe(true);
    const before = await rawCounter(ctx.server.port, 'cmd-pause-tube');
    await expect(bs.tube(freshTube()).pause(-1)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await rawCounter(ctx.server.port, 'cmd-pause-tube')).toBe(before);
  });

  test('result({ signal }): aborting rejects with signal.reason; an aborted signal sends nothing', async () => {
    const before = await rawCounter(ctx.server.port, 'cmd-stats');
    const aborted = AbortSignal.abort();
    await expect(bs.stats().result({ signal: aborted })).rejects.toBe(aborted.reason);
    await expect(bs.stats().result({ signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await rawCounter(ctx.server.port, 'cmd-stats')).toBe(before + 1); // +1: the raw read itself
    // Aborting a reserve that is waiting: rejects at once, and the connection stays in step.
    const controller = new AbortController();
    const tube = freshTube();
    const waiting = bs.watch(tube).reserveOne().result({ signal: controller.signal });
    await sleep(100);
    controller.abort(new Error('no more waiting'));
    await expect(within(waiting, 1000, 'aborted reserve')).rejects.toThrow('no more waiting');
    // The command connection is unaffected: a written command aborted mid-flight drops its reply.
    const stats = bs.stats();
    const abortSoon = new AbortController();
    const racing = stats.result({ signal: abortSoon.signal });
    abortSoon.abort();
    await expect(racing).rejects.toMatchObject({ name: 'AbortError' });
    expect((await bs.stats()).currentConnections).toBeGreaterThan(0);
    expect(await bs.listTubeUsed()).toBe('default');
  });
});

describe('aborting a command that was already written', () => {
  const ctx = useBeanstalkd();

  test('rejects at once; its late reply is read and dropped, so later commands get their own replies', async () => {
    // Replies take 300 ms through the proxy: the put is written well before the abort.
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: ctx.server.port }, delayMs: 300 });
    const bs = Beanstalk.connect(proxy.url);
    try {
      const tube = bs.tube(freshTube());
      await tube.stats().catch(() => undefined); // connected, and the tube's `use` is not needed for stats
      const controller = new AbortController();
      const put = tube.put('maybe').result({ signal: controller.signal });
      await sleep(100);
      const started = Date.now();
      controller.abort();
      await expect(put).rejects.toMatchObject({ name: 'AbortError' });
      expect(Date.now() - started).toBeLessThan(250);
      // The server did run it: an abort is "stop waiting", not "undo".
      const [used, peeked, second] = await Promise.all([bs.listTubeUsed(), tube.peekReady(), tube.put('next')]);
      expect(used).toBe(tube.name);
      expect(peeked?.text()).toBe('maybe');
      expect(second).toBeGreaterThan(peeked?.id ?? Infinity);
    } finally {
      await bs.close();
      await proxy.close();
    }
  });
});

describe('reserveOne({ signal })', () => {
  const ctx = useBeanstalkd();

  test('an abort during a waiting reserve ends promptly with nothing left reserved', async () => {
    const bs = Beanstalk.connect(ctx.server.url);
    const tube = freshTube();
    const controller = new AbortController();
    const waiting = failure(bs.watch(tube).reserveOne({ signal: controller.signal }));
    await eventually(async () => (await rawTubeStats(ctx.server.port, tube))?.['current-waiting'] === 1);
    const started = Date.now();
    controller.abort();
    const error = await within(waiting, 1000, 'aborted reserveOne');
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    // A job put now is not taken by the abandoned reserve.
    const id = await bs.tube(tube).put('after');
    await sleep(100);
    expect((await rawJobStats(ctx.server.port, id))?.state).toBe('ready');
    expect((await rawTubeStats(ctx.server.port, tube))?.['current-waiting']).toBe(0);
    await bs.close();
  });
});
