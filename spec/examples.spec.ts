import { Subject, firstValueFrom, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { Beanstalk } from '../src/index.js';
import * as batch from '../examples/batch-consumer.js';
import * as json from '../examples/json-jobs.js';
import * as ordered from '../examples/ordered-consumer.js';
import * as producer from '../examples/producer.js';
import * as worker from '../examples/worker.js';
import { rawExchange, rawJobStats } from './helpers/raw.js';
import { sleep, useBeanstalkd } from './helpers/setup.js';

// Every file in examples/ is type-checked with the sources (tsconfig.json includes it) and
// run here against a real beanstalkd, the way its `main` runs from the command line.

/** An `OK <n>` reply is complete when its body and final CRLF have arrived. */
const complete = (text: string) => {
  const match = /^OK (\d+)\r\n/.exec(text);
  return text.startsWith('NOT_FOUND\r\n') || (match !== null && text.length >= match[0].length + Number(match[1]) + 2);
};

/**
 * A counter of `stats-tube`, read over a socket of its own: the server's view, not the
 * client's. 0 once the tube is gone (no jobs and nobody watching it).
 */
async function tubeStat(port: number, tube: string, key: string): Promise<number> {
  const text = await rawExchange(port, `stats-tube ${tube}\r\n`, complete);
  const match = new RegExp(`^${key}: (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Polls until `check` holds (the machine is shared and slow at times: generous bound). */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('examples/', () => {
  const ctx = useBeanstalkd();
  let bs: Beanstalk;
  beforeAll(() => {
    bs = Beanstalk.connect(ctx.server.url, { name: 'examples-spec' });
  });
  afterAll(() => bs.close());

  const putAll = (tube: string, bodies: string[]) =>
    lastValueFrom(
      from(bodies).pipe(
        mergeMap((body) => bs.tube(tube).put(body), 1),
        toArray(),
      ),
    );

  test('producer.ts puts its jobs and resolves with their ids, in order', async () => {
    const ids = await producer.main(ctx.server.url, 25);
    expect(ids).toHaveLength(25);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await tubeStat(ctx.server.port, producer.TUBE, 'current-jobs-ready')).toBe(25);
    const first = await firstValueFrom(bs.peek(ids[0]));
    expect(first.text()).toBe('hello #1');
  });

  test('worker.ts retries a failing job, buries it after 3 attempts, and stops gracefully on SIGTERM', async () => {
    const good = await putAll(
      worker.TUBE,
      ['a', 'b', 'c'].map((name) => JSON.stringify({ to: `${name}@example.com` })),
    );
    const [bad] = await putAll(worker.TUBE, [JSON.stringify({ to: 'nobody@nowhere.invalid' })]);
    const lines: string[] = [];
    const known = new Set([...good, bad]);
    let sentSigterm = false;
    const log = (line: string) => {
      lines.push(line);
      // SIGTERM the moment a job put later is reserved, so it is surely in flight.
      const reserved = /^job (\d+) reserved$/.exec(line);
      if (reserved && !known.has(Number(reserved[1]))) {
        sentSigterm = true;
        process.emit('SIGTERM', 'SIGTERM');
      }
    };
    const stopped = worker.main(ctx.server.url, { backoff: () => 0, log });
    await eventually(
      () => lines.filter((l) => l.includes('succeeded')).length === 3 && lines.some((l) => l.includes('buried')),
      '3 successes and a burial',
    );

    expect(lines.filter((l) => l.startsWith(`job ${bad} failed`)).map((l) => /attempt (\d)/.exec(l)?.[1])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(lines.filter((l) => l.startsWith(`job ${bad} retried`))).toHaveLength(2);
    expect((await rawJobStats(ctx.server.port, bad))?.state).toBe('buried');
    for (const id of good) expect(await rawJobStats(ctx.server.port, id)).toBeUndefined();

    // A job in flight when SIGTERM arrives is still finished and deleted; then main resolves.
    const [late] = await putAll(worker.TUBE, [JSON.stringify({ to: 'late@example.com' })]);
    await stopped;
    expect(sentSigterm).toBe(true);
    expect(lines.indexOf(`job ${late} reserved`)).toBeLessThan(
      lines.indexOf(`job ${late} succeeded: welcomed late@example.com`),
    );
    expect(lines).toContain(`job ${late} succeeded: welcomed late@example.com`);
    expect(await rawJobStats(ctx.server.port, late)).toBeUndefined();
    expect(await tubeStat(ctx.server.port, worker.TUBE, 'current-jobs-buried')).toBe(1);
    expect(await tubeStat(ctx.server.port, worker.TUBE, 'current-jobs-reserved')).toBe(0);
    expect(await tubeStat(ctx.server.port, worker.TUBE, 'current-watching')).toBe(0); // every lane closed
  });

  test('batch-consumer.ts stores jobs in batches of at most 10 and deletes each job once', async () => {
    const ids = await putAll(
      batch.TUBE,
      Array.from({ length: 25 }, (_, i) => `view ${i}`),
    );
    const until = new Subject<void>();
    const done = batch.main(ctx.server.url, { until, log: () => undefined });
    await eventually(async () => (await tubeStat(ctx.server.port, batch.TUBE, 'cmd-delete')) === 25, '25 deletes');
    until.next();
    const batches = await done;
    expect(batches.flat().sort((a, b) => a - b)).toEqual(ids);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(await tubeStat(ctx.server.port, batch.TUBE, 'current-jobs-ready')).toBe(0);
    expect(await tubeStat(ctx.server.port, batch.TUBE, 'current-jobs-reserved')).toBe(0);
  });

  test('ordered-consumer.ts applies entries in the order they were put', async () => {
    const amounts = [100, -30, 5, -75, 40, 1, -1, 12];
    await putAll(
      ordered.TUBE,
      amounts.map((amount) => JSON.stringify({ account: 'acme', amount })),
    );
    const until = new Subject<void>();
    const done = ordered.main(ctx.server.url, until, () => undefined);
    await eventually(
      async () => (await tubeStat(ctx.server.port, ordered.TUBE, 'cmd-delete')) === amounts.length,
      'every entry applied',
    );
    until.next();
    const running = amounts.map((_, i) => amounts.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(await done).toEqual(running);
  });

  test('json-jobs.ts makes the good thumbnails and buries the two bad bodies at once', async () => {
    const until = new Subject<void>();
    const done = json.main(ctx.server.url, until, () => undefined);
    await eventually(async () => {
      const deletes = await tubeStat(ctx.server.port, json.TUBE, 'cmd-delete');
      return deletes === 2 && (await tubeStat(ctx.server.port, json.TUBE, 'current-jobs-buried')) === 2;
    }, 'two made, two buried');
    until.next();
    const outcomes = await done;
    expect(
      outcomes
        .filter((o) => 'made' in o)
        .map((o) => 'made' in o && o.made)
        .sort(),
    ).toEqual(['cat.png@200w', 'dog.png@64w']);
    const buried = outcomes.filter((o) => 'buried' in o).map((o) => 'buried' in o && o.buried);
    expect(buried.sort()).toEqual([expect.stringMatching(/^not JSON/), expect.stringMatching(/^not a Thumbnail/)]);
    for (const o of outcomes.filter((o) => 'buried' in o)) {
      expect((await rawJobStats(ctx.server.port, o.id))?.releases).toBe('0'); // never retried
    }
  });
});
