import v8 from 'node:v8';
import vm from 'node:vm';
import { firstValueFrom } from 'rxjs';
import { BadReplyError, Beanstalk, CommandTimeoutError, ConnectionError, QueueFullError } from '../../src/index.js';
import type { BeanstalkOptions } from '../../src/index.js';
import { freePort, startBeanstalkd } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { HostileServer } from '../support/hostile-server.js';
import { settleWithin, within } from '../helpers/bounded.js';
import type { Outcome } from '../helpers/bounded.js';
import { failure, freshTube, sleep } from '../helpers/setup.js';

/**
 * Connection-level faults with DEFAULT options (issue 15): a frozen server, replies that are
 * valid words but wrong for their command, read buffers, error messages. Nothing may hang,
 * nothing may grow without bound. (Outages and a server whose process is gone: outage.spec.ts.)
 */

/** The documented defaults (README, "Faults: what happens to each command"). */
const COMMAND_TIMEOUT_MS = 10000;
const CLOSE_TIMEOUT_MS = 10000;
/** The watchdog ticks at a quarter of its bound, and the machine is loaded. */
const SLACK_MS = 4000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

const clients: Beanstalk[] = [];
function client(url: string, options: BeanstalkOptions = {}): Beanstalk {
  const bs = Beanstalk.connect(url, { name: 'faults', ...options });
  clients.push(bs);
  return bs;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((bs) => within(bs.close({ timeoutMs: 1000 }), 5000, 'client close')));
});

const errorOf = (outcome: Outcome<unknown>): unknown => (outcome.kind === 'error' ? outcome.error : outcome);

describe('a frozen server (SIGSTOP: TCP up, no answers), default options', () => {
  let server: RunningBeanstalkd;
  beforeEach(async () => {
    server = await startBeanstalkd();
  });
  afterEach(async () => {
    server.process.kill('SIGCONT');
    await server.stop('SIGKILL');
  });

  test('put, stats and reserveOne({ timeout: 1 }) settle within commandTimeoutMs; close() within its bound', async () => {
    const bs = client(server.url);
    const closer = client(server.url);
    await firstValueFrom(bs.put('warm up'));
    await firstValueFrom(closer.put('warm up'));
    server.process.kill('SIGSTOP');

    const bound = COMMAND_TIMEOUT_MS + 1000 + SLACK_MS;
    const started = Date.now();
    const closerPut = settleWithin(closer.put('in flight at close'), bound + CLOSE_TIMEOUT_MS);
    await sleep(20); // the put is written before close() is called
    const closing = closer.close().then(() => Date.now() - started);
    const [put, stats, reserve] = await Promise.all([
      settleWithin(bs.put('no answer'), bound),
      settleWithin(bs.stats(), bound),
      settleWithin(bs.watch('default').reserveOne({ timeout: 1 }), bound),
    ]);
    expect(errorOf(put)).toBeInstanceOf(CommandTimeoutError);
    expect((errorOf(put) as ConnectionError).mayHaveReachedServer).toBe(true);
    expect(put.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 100);
    expect(errorOf(stats)).toBeInstanceOf(ConnectionError);
    expect(errorOf(reserve)).toBeInstanceOf(CommandTimeoutError);
    expect(reserve.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS + 1000 - 100);

    const closedAfter = await within(closing, CLOSE_TIMEOUT_MS + SLACK_MS, 'close() on a frozen server');
    expect(closedAfter).toBeLessThan(CLOSE_TIMEOUT_MS + SLACK_MS);
    expect(errorOf(await closerPut)).toBeInstanceOf(ConnectionError);
  }, 60000);

  test('later commands the kernel keeps accepting do not keep the oldest one alive', async () => {
    const bs = client(server.url, { commandTimeoutMs: 500 });
    await firstValueFrom(bs.put('warm up'));
    server.process.kill('SIGSTOP');
    const first = settleWithin(bs.put('first'), 5000);
    const trickle = setInterval(() => bs.put('later').subscribe({ error: () => undefined }), 50);
    const outcome = await first;
    clearInterval(trickle);
    expect(errorOf(outcome)).toBeInstanceOf(CommandTimeoutError);
    expect(outcome.ms).toBeLessThan(500 + 125 + 1500);
  });

  test('close({ timeoutMs }) gives up waiting and fails what is left with ConnectionError', async () => {
    const bs = client(server.url);
    await firstValueFrom(bs.put('warm up'));
    server.process.kill('SIGSTOP');
    const put = settleWithin(bs.put('in flight'), 5000);
    await sleep(20);
    const started = Date.now();
    await within(bs.close({ timeoutMs: 200 }), 3000, 'close({ timeoutMs: 200 })');
    expect(Date.now() - started).toBeLessThan(2000);
    const error = errorOf(await put);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveReachedServer).toBe(true);
    expect(await failure(bs.stats())).toBeInstanceOf(ConnectionError);
  });

  test('100,000 fire-and-forget puts: the excess is refused with QueueFullError, memory stays bounded', async () => {
    const bs = client(server.url);
    await firstValueFrom(bs.put('warm up'));
    server.process.kill('SIGSTOP');
    gc();
    const before = process.memoryUsage();
    const total = 100000;
    let refused = 0;
    let failed = 0;
    let other = 0;
    const body = 'x'.repeat(100);
    for (let i = 0; i < total; i++) {
      bs.put(body).subscribe({
        error: (error: unknown) => {
          if (error instanceof QueueFullError) refused++;
          else if (error instanceof ConnectionError) failed++;
          else other++;
        },
      });
    }
    await sleep(100);
    gc();
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    console.log(
      `frozen server: ${refused} of ${total} puts refused at once; heap + buffers grew ${(grown / MiB).toFixed(1)} MiB`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(grown).toBeLessThan(64 * MiB);
    // What was admitted ends too: close() gives up on it at once.
    await bs.close({ timeoutMs: 0 });
    expect(other).toBe(0);
    expect(refused + failed).toBe(total);
  }, 60000);
});

describe('replies that are valid words but wrong for their command', () => {
  let hostile: HostileServer;
  beforeEach(async () => {
    hostile = await startHostileServer('wrong-word');
  });
  afterEach(() => hostile.close());

  const pipelined = (bs: Beanstalk) =>
    Promise.all([
      settleWithin(bs.delete(1), 5000),
      settleWithin(bs.put('x'), 5000),
      settleWithin(bs.stats(), 5000),
      settleWithin(bs.peek(2), 5000),
    ]);

  test('reconnect: false: only the command the reply belongs to gets BadReplyError', async () => {
    const bs = client(hostile.url, { reconnect: false });
    const [del, put, stats, peek] = (await pipelined(bs)).map(errorOf);
    expect(del).toBeInstanceOf(BadReplyError);
    expect(del).toMatchObject({ command: 'delete 1', reply: 'INSERTED 77' });
    for (const error of [put, stats, peek]) {
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).mayHaveReachedServer).toBe(true);
    }
  });

  test('default reconnect: safe commands are resent and fail on their own reply; a put never names another reply', async () => {
    const bs = client(hostile.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const [del, put, stats, peek] = (await pipelined(bs)).map(errorOf);
    expect(del).toMatchObject({ name: 'BadReplyError', command: 'delete 1', reply: 'INSERTED 77' });
    expect(put).toBeInstanceOf(ConnectionError);
    expect(put).not.toBeInstanceOf(BadReplyError);
    expect(stats).toMatchObject({ name: 'BadReplyError', command: 'stats', reply: 'INSERTED 77' });
    expect(peek).toMatchObject({ name: 'BadReplyError', command: 'peek 2', reply: 'INSERTED 77' });
  });
});

describe('read buffers', () => {
  let server: RunningBeanstalkd;
  beforeAll(async () => {
    server = await startBeanstalkd();
  });
  afterAll(() => server.stop());

  test('2,000 quick subscribe/unsubscribe cycles of a reserve stream hold no read buffer each', async () => {
    const bs = client(server.url);
    const tube = freshTube('cycles');
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    for (let i = 0; i < 2000; i++) {
      bs.watch(tube).reserve().subscribe().unsubscribe();
      if (i % 100 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    console.log(`2,000 reserve cycles: buffers peaked ${((peak - base) / MiB).toFixed(1)} MiB above the start`);
    // A 64 KiB read buffer per lane would be 125 MiB here.
    expect(peak - base).toBeLessThan(32 * MiB);
    await bs.close();
  }, 60000);
});

describe('errors say things once', () => {
  test('a ConnectionError names its context once; reason has no suffix', async () => {
    const port = await freePort(); // nothing listens there
    const bs = client(`beanstalk://127.0.0.1:${port}`, { name: 'ops', reconnect: false });
    const error = (await failure(bs.listTubes())) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message.split('[ops]')).toHaveLength(2);
    expect(error.message).toContain('command "list-tubes"');
    expect(error.reason).not.toContain('[ops]');
    expect(error.reason).not.toContain('(');
    expect(error.mayHaveReachedServer).toBe(false);
  });
});
