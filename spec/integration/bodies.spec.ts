import { concatMap, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { Beanstalk, JobTooBigError } from '../../src/index.js';
import { rawJobStats } from '../helpers/raw.js';
import { failure, freshTube, maybe, useBeanstalkd } from '../helpers/setup.js';

describe('job bodies are bytes', () => {
  const ctx = useBeanstalkd({ maxJobSize: 1 << 20 });
  let bs: Beanstalk;
  beforeAll(() => {
    bs = Beanstalk.connect(ctx.server.url);
  });
  afterAll(() => bs.close());

  test('a binary body with NUL, CR/LF and multibyte UTF-8 round-trips byte-exact', async () => {
    const body = Buffer.concat([
      Buffer.from([0, 13, 10, 0, 255, 254, 13, 13, 10, 10]),
      Buffer.from('größe ✓ 🚀\r\nRESERVED 1 5\r\n', 'utf8'),
      Buffer.from([0]),
    ]);
    const tube = freshTube();
    const id = await firstValueFrom(bs.tube(tube).put(body));
    const peeked = await maybe(bs.peek(id));
    expect(peeked?.body.equals(body)).toBe(true);
    const job = await firstValueFrom(bs.watch(tube).reserveOne());
    expect(job.body.equals(body)).toBe(true);
    await firstValueFrom(job.delete());
  });

  test("a string body's length is counted in UTF-8 bytes", async () => {
    const text = 'ü✓🚀'; // 4 characters in UTF-16 code units: 1 + 1 + 2; bytes: 2 + 3 + 4
    const id = await firstValueFrom(bs.put(text));
    expect((await maybe(bs.peek(id)))?.text()).toBe(text);
    expect(Buffer.byteLength(text)).toBe(9);
    const job = await maybe(bs.peek(id));
    expect(job?.body.length).toBe(9);
  });

  test('empty bodies work', async () => {
    const id = await firstValueFrom(bs.put(''));
    expect((await maybe(bs.peek(id)))?.body.length).toBe(0);
  });

  test('a 1 MiB body round-trips; one byte more is JOB_TOO_BIG and the connection carries on', async () => {
    const big = Buffer.alloc(1 << 20, 7);
    big[0] = 13;
    big[big.length - 1] = 10;
    const id = await firstValueFrom(bs.put(big));
    expect((await maybe(bs.peek(id)))?.body.equals(big)).toBe(true);
    expect((await rawJobStats(ctx.server.port, id))?.state).toBe('ready');
    expect(await failure(bs.put(Buffer.alloc((1 << 20) + 1)))).toBeInstanceOf(JobTooBigError);
    const after = await firstValueFrom(bs.put('after'));
    expect((await maybe(bs.peek(after)))?.text()).toBe('after');
  });

  test('large bodies read without a copy stay intact while later ones arrive (kept read buffers, reads in place)', async () => {
    // 33-200 KB bodies: some arrive whole in one read and keep its buffer, others span reads
    // and are read in place; small ones between them reuse the read buffer. Every job is held
    // until the end, so a buffer handed out twice would show as a corrupted earlier body.
    const tube = freshTube();
    const sizes = [61440, 10, 40000, 200_000, 33 * 1024, 5, 65_000, 120_000, 60_000, 1];
    const bodies = sizes.map((size, n) => {
      const body = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) body[i] = (i * 131 + n * 17 + (i >> 8)) & 0xff;
      return body;
    });
    for (const body of bodies) await firstValueFrom(bs.tube(tube).put(body));
    const jobs = await lastValueFrom(
      bs
        .watch(tube)
        .reserve({ concurrency: 3 })
        .pipe(
          // Deleted, so each lane reserves its next job, but kept: its body must outlive later reads.
          concatMap(async (job) => {
            await lastValueFrom(job.delete(), { defaultValue: undefined });
            return job;
          }),
          take(sizes.length),
          toArray(),
        ),
    );
    const received = new Map(jobs.map((job) => [job.body.length, job.body]));
    for (const body of bodies) expect(received.get(body.length)?.equals(body)).toBe(true);
  });
});
