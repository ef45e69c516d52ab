import { firstValueFrom, forkJoin, lastValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { rawCounter, rawStats } from '../helpers/raw.js';
import { freshTube, maybe, sleep, useBeanstalkd } from '../helpers/setup.js';

describe('many callers on one connection', () => {
  const ctx = useBeanstalkd();

  test('1,000 concurrent puts: one TCP connection, distinct ids, at most one use', async () => {
    const before = await rawStats(ctx.server.port);
    const bs = Beanstalk.connect(ctx.server.url);
    const tube = bs.tube(freshTube());
    const ids = await lastValueFrom(forkJoin(Array.from({ length: 1000 }, (_, i) => tube.put(`job ${i}`))));
    const after = await rawStats(ctx.server.port);
    await bs.close();

    expect(new Set(ids).size).toBe(1000);
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    expect(Number(after['cmd-put']) - Number(before['cmd-put'])).toBe(1000);
    // The raw stats reader opens one connection per read: ours is the only other one.
    expect(Number(after['total-connections']) - Number(before['total-connections'])).toBe(2);
    expect(Number(after['cmd-use']) - Number(before['cmd-use'])).toBeLessThanOrEqual(1);
  });

  test('use is sent only when the tube changes', async () => {
    const bs = Beanstalk.connect(ctx.server.url);
    const [a, b] = [bs.tube(freshTube()), bs.tube(freshTube())];
    const before = await rawCounter(ctx.server.port, 'cmd-use');
    await firstValueFrom(forkJoin([a.put('1'), a.put('2'), b.put('3'), b.put('4'), a.put('5')]));
    await firstValueFrom(a.put('6'));
    expect((await rawCounter(ctx.server.port, 'cmd-use')) - before).toBe(3);
    expect((await firstValueFrom(a.stats())).currentJobsReady).toBe(4);
    expect((await firstValueFrom(b.stats())).currentJobsReady).toBe(2);
    await bs.close();
  });

  test('commands are cold: nothing is sent before subscribe', async () => {
    const bs = Beanstalk.connect(ctx.server.url);
    const before = await rawCounter(ctx.server.port, 'cmd-put');
    const put = bs.put('cold');
    await sleep(50);
    expect(await rawCounter(ctx.server.port, 'cmd-put')).toBe(before);
    await firstValueFrom(put);
    await firstValueFrom(put); // each subscription is a new put
    expect((await rawCounter(ctx.server.port, 'cmd-put')) - before).toBe(2);
    await bs.close();
  });

  test('unsubscribing after a command went out keeps the connection in sync', async () => {
    const bs = Beanstalk.connect(ctx.server.url);
    const tube = bs.tube(freshTube());
    await firstValueFrom(tube.put('warm up'));
    const before = await rawCounter(ctx.server.port, 'cmd-put');
    const kept: Promise<number>[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 2 === 0) {
        kept.push(firstValueFrom(tube.put(`kept ${i}`)));
        continue;
      }
      const dropped = tube.put(`dropped ${i}`).subscribe();
      await Promise.resolve(); // the write happens in a microtask: let it go out first
      dropped.unsubscribe();
    }
    const ids = await Promise.all(kept);
    // The dropped puts reached the server, and their replies were consumed and discarded,
    // so every kept put got its own id and the next command still gets its own reply.
    expect((await rawCounter(ctx.server.port, 'cmd-put')) - before).toBe(50);
    expect(new Set(ids).size).toBe(25);
    for (const [index, id] of ids.entries()) {
      expect((await maybe(bs.peek(id)))?.text()).toBe(`kept ${index * 2}`);
    }
    await bs.close();
  });

  test('unsubscribing before the write sends nothing', async () => {
    const bs = Beanstalk.connect(ctx.server.url);
    await firstValueFrom(bs.put('connect first'));
    const before = await rawCounter(ctx.server.port, 'cmd-put');
    bs.put('never').subscribe().unsubscribe();
    const id = await firstValueFrom(bs.put('sent'));
    expect((await rawCounter(ctx.server.port, 'cmd-put')) - before).toBe(1);
    expect((await maybe(bs.peek(id)))?.text()).toBe('sent');
    await bs.close();
  });
});
