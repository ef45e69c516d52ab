import v8 from 'node:v8';
import vm from 'node:vm';
import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { BadReplyError, Beanstalk, CommandTimeoutError, ConnectionError } from '../../src/index.js';
import type { BeanstalkOptions, ConnectionState } from '../../src/index.js';
import { startHostileServer } from '../support/hostile-server.js';
import type { HostileBehaviour, HostileServer, HostileServerOptions } from '../support/hostile-server.js';
import { eventually } from '../support/raw-socket.js';
import { settleWithin, within } from '../helpers/bounded.js';
import type { Outcome } from '../helpers/bounded.js';
import { failure, sleep, useBeanstalkd } from '../helpers/setup.js';

/**
 * The client against servers that misbehave on purpose (spec/support/hostile-server.ts):
 * every command must fail with a typed error in bounded time, the process must not crash,
 * memory must stay bounded, and the client must let go of its sockets.
 */

/** Every command here must be answered (value or typed error) within this. */
const BOUND_MS = 5000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const servers: HostileServer[] = [];
const clients: Beanstalk[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => within(client.close(), BOUND_MS, 'client close')));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function hostile(behaviour: HostileBehaviour, options: HostileServerOptions = {}): Promise<HostileServer> {
  const server = await startHostileServer(behaviour, { seed: 7, ...options });
  servers.push(server);
  return server;
}

function client(url: string, options: BeanstalkOptions = {}): Beanstalk {
  const bs = Beanstalk.connect(url, { name: 'victim', ...options });
  clients.push(bs);
  return bs;
}

interface Named {
  readonly name: string;
  readonly outcome: Outcome<unknown>;
}

/**
 * Issues several commands in one tick, so they leave pipelined on the command connection
 * (a put, stats, a peek, and a put into another tube, which needs a `use` first), plus a
 * reserve on a lane of its own. Waits for each, within BOUND_MS.
 */
async function pipelined(bs: Beanstalk, reserveTimeout?: number): Promise<Named[]> {
  const commands: Array<[string, Observable<unknown>]> = [
    ['put', bs.put('hello')],
    ['stats', bs.stats()],
    ['peek', bs.peek(1)],
    ['put other tube', bs.tube('other').put('x')],
    [
      'reserveOne (lane)',
      bs.watch('default').reserveOne(reserveTimeout === undefined ? {} : { timeout: reserveTimeout }),
    ],
  ];
  const outcomes = await Promise.all(commands.map(([, source]) => settleWithin(source, BOUND_MS)));
  return commands.map(([name], i) => ({ name, outcome: outcomes[i] }));
}

/** The error each command failed with; fails the test if one succeeded or hung. */
function errorsOf(results: Named[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, outcome } of results) {
    if (outcome.kind !== 'error')
      throw new Error(`${name}: expected a typed error, got ${outcome.kind} after ${outcome.ms} ms`);
    expect(outcome.ms).toBeLessThan(BOUND_MS);
    out[name] = outcome.error;
  }
  return out;
}

const typed = (error: unknown) => error instanceof BadReplyError || error instanceof ConnectionError;

/** Peak growth of JS heap + Buffer memory, and of RSS, while `run` runs (after a full GC first). */
async function memoryGrowth<T>(run: () => Promise<T>): Promise<{ result: T; heapAndBuffers: number; rss: number }> {
  gc();
  const base = process.memoryUsage();
  const baseHeap = base.heapUsed + base.arrayBuffers;
  let peakHeap = baseHeap;
  let peakRss = base.rss;
  const sample = () => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed + now.arrayBuffers);
    peakRss = Math.max(peakRss, now.rss);
  };
  const sampler = setInterval(sample, 1);
  try {
    const result = await run();
    sample();
    return { result, heapAndBuffers: peakHeap - baseHeap, rss: peakRss - base.rss };
  } finally {
    clearInterval(sampler);
  }
}

const MiB = 1024 * 1024;

describe('hostile servers, reconnect: false: every command fails typed, in bounded time', () => {
  test('garbage: the command whose reply is garbage gets BadReplyError, the rest ConnectionError', async () => {
    const server = await hostile('garbage');
    const bs = client(server.url, { reconnect: false });
    const states: ConnectionState[] = [];
    bs.state$.subscribe((state) => states.push(state));
    const errors = errorsOf(await pipelined(bs));
    expect(errors.put).toBeInstanceOf(BadReplyError);
    expect((errors.put as BadReplyError).message).toContain('unknown reply');
    for (const name of ['stats', 'peek', 'put other tube']) {
      expect(errors[name]).toBeInstanceOf(ConnectionError);
      expect((errors[name] as ConnectionError).mayHaveReachedServer).toBe(true);
    }
    expect(errors['reserveOne (lane)']).toBeInstanceOf(BadReplyError); // the lane's own first reply
    expect(states[states.length - 1]).toBe('closed');
    // Closed for good: a later command fails at once, and every socket was let go.
    const later = await settleWithin(bs.stats(), 100);
    expect(later.kind === 'error' && later.error instanceof ConnectionError).toBe(true);
    await eventually(() => server.live === 0, 2000, 'client sockets closed');
    expect(server.connections).toBe(2); // command connection + one lane: no retry with reconnect off
  });

  test('huge-body-length: OK 1000000000000 is refused at its header, nothing is buffered', async () => {
    const server = await hostile('huge-body-length', { trailingBytes: 64 * 1024 });
    const bs = client(server.url, { reconnect: false });
    const { result, heapAndBuffers, rss } = await memoryGrowth(() => pipelined(bs));
    const errors = errorsOf(result);
    expect(Object.values(errors).every(typed)).toBe(true);
    expect(errors.stats).toBeInstanceOf(ConnectionError); // behind the put, on the same connection
    expect(errors.put).toBeInstanceOf(BadReplyError);
    expect((errors.put as BadReplyError).message).toContain('reply body longer than');
    expect((errors.put as BadReplyError).reply).toBe('OK 1000000000000');
    expect(errors['reserveOne (lane)']).toBeInstanceOf(BadReplyError);
    await eventually(() => server.live === 0, 2000, 'client sockets closed');
    expect(heapAndBuffers).toBeLessThan(16 * MiB);
    expect(rss).toBeLessThan(64 * MiB);
  });

  test('line-without-end: a reply line that never ends fails after 1 KiB, memory stays flat', async () => {
    // The server would stream 50 MiB of "INSERTED 111…" with no newline: a client that buffered
    // the line would hold all of it. Ours refuses the line past 1 KiB and hangs up.
    const streamed = 50 * MiB;
    const server = await hostile('line-without-end', { maxBytes: streamed });
    const bs = client(server.url, { reconnect: false });
    const { result, heapAndBuffers, rss } = await memoryGrowth(async () => {
      const results = await pipelined(bs);
      await eventually(() => server.live === 0, 2000, 'client sockets closed');
      return results;
    });
    const errors = errorsOf(result);
    expect(Object.values(errors).every(typed)).toBe(true);
    expect(errors.put).toBeInstanceOf(BadReplyError);
    expect((errors.put as BadReplyError).message).toContain('reply line longer than 1024 bytes');
    expect((errors.put as BadReplyError).reply?.startsWith('INSERTED 1111')).toBe(true);
    expect((errors.put as BadReplyError).reply!.length).toBeLessThanOrEqual(201); // quoted, not copied whole
    expect(errors['reserveOne (lane)']).toBeInstanceOf(BadReplyError);
    expect(server.bytesSent).toBeLessThan(streamed); // the client hung up long before the end
    expect(heapAndBuffers).toBeLessThan(16 * MiB);
    expect(rss).toBeLessThan(64 * MiB);
  });

  test('close-mid-body: a reply cut off by FIN fails every command with ConnectionError', async () => {
    const server = await hostile('close-mid-body');
    const bs = client(server.url, { reconnect: false });
    const errors = errorsOf(await pipelined(bs));
    for (const [name, error] of Object.entries(errors)) {
      expect([name, error instanceof ConnectionError]).toEqual([name, true]);
      expect([name, (error as ConnectionError).mayHaveReachedServer]).toEqual([name, true]);
    }
    await eventually(() => server.live === 0, 2000, 'client sockets closed');
  });

  test('silent: commandTimeoutMs fails the oldest command with CommandTimeoutError, the rest with ConnectionError', async () => {
    const server = await hostile('silent');
    const bs = client(server.url, { reconnect: false, commandTimeoutMs: 300 });
    // A reserve waits as long as it asked to; with a timeout of 1 s it is timed as 1 s + commandTimeoutMs.
    const results = await pipelined(bs, 1);
    const errors = errorsOf(results);
    const ms = Object.fromEntries(results.map(({ name, outcome }) => [name, outcome.ms]));
    expect(errors.put).toBeInstanceOf(CommandTimeoutError);
    expect((errors.put as CommandTimeoutError).mayHaveReachedServer).toBe(true);
    expect(ms.put).toBeGreaterThanOrEqual(290);
    expect(ms.put).toBeLessThan(1000);
    for (const name of ['stats', 'peek', 'put other tube']) expect(errors[name]).toBeInstanceOf(ConnectionError);
    expect(errors['reserveOne (lane)']).toBeInstanceOf(CommandTimeoutError);
    expect(ms['reserveOne (lane)']).toBeGreaterThanOrEqual(1290);
    expect(ms['reserveOne (lane)']).toBeLessThan(2500);
    expect(server.commands).toEqual(
      expect.arrayContaining([
        'put 1024 0 60 5',
        'stats',
        'peek 1',
        'use other',
        'put 1024 0 60 1',
        'reserve-with-timeout 1',
      ]),
    );
    await eventually(() => server.live === 0, 2000, 'client sockets closed');
  });

  test('slow-drip: valid replies a byte at a time are read correctly, in order', async () => {
    const server = await hostile('slow-drip', { dripMs: 3 });
    const bs = client(server.url, { reconnect: false, commandTimeoutMs: 2000 });
    const started = Date.now();
    const ids = await within(
      Promise.all([
        firstValueFrom(bs.put('a')),
        firstValueFrom(bs.put('b\r\nc')),
        firstValueFrom(bs.put(new Uint8Array([0, 13, 10]))),
      ]),
      BOUND_MS,
      'dripped puts',
    );
    expect(ids).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual('INSERTED 1\r\n'.length * 3 * 3 - 20);
    expect(server.commands).toEqual(['put 1024 0 60 1', 'put 1024 0 60 4', 'put 1024 0 60 3']);
  });

  test('slow-drip: trickling bytes do not keep a command alive past commandTimeoutMs', async () => {
    // "INSERTED 1\r\n" at 50 ms a byte takes 600 ms; the timeout counts whole replies, not bytes.
    const server = await hostile('slow-drip', { dripMs: 50 });
    const bs = client(server.url, { reconnect: false, commandTimeoutMs: 150 });
    const [put, stats] = await Promise.all([settleWithin(bs.put('x'), BOUND_MS), settleWithin(bs.stats(), BOUND_MS)]);
    expect(put.kind).toBe('error');
    expect(put.kind === 'error' && put.error).toBeInstanceOf(CommandTimeoutError);
    expect(put.ms).toBeLessThan(550);
    expect(stats.kind === 'error' && stats.error).toBeInstanceOf(ConnectionError);
    await eventually(() => server.live === 0, 2000, 'client socket closed');
  });
});

describe('hostile servers with reconnect on (the default): failures stay bounded, no endless loop', () => {
  test('garbage: every command fails typed and at once; only safe ones are resent, and nothing loops', async () => {
    const server = await hostile('garbage');
    const bs = client(server.url); // default reconnect policy
    const states: ConnectionState[] = [];
    bs.state$.subscribe((state) => states.push(state));
    const started = Date.now();
    const errors = errorsOf(await pipelined(bs));
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    // A command whose reply was unreadable fails and is never resent, so nothing can loop. A put
    // behind it was written and is not safe to resend: ConnectionError, it may have reached the
    // server. stats and peek are safe: resent after the reset, each then fails on its own garbage.
    expect(errors.put).toBeInstanceOf(BadReplyError);
    expect(errors.stats).toBeInstanceOf(BadReplyError);
    expect(errors.peek).toBeInstanceOf(BadReplyError);
    expect(errors['put other tube']).toBeInstanceOf(ConnectionError);
    expect(errors['put other tube']).not.toBeInstanceOf(BadReplyError);
    expect((errors['put other tube'] as ConnectionError).mayHaveReachedServer).toBe(true);
    expect(errors['reserveOne (lane)']).toBeInstanceOf(BadReplyError);
    expect(server.commands.filter((c) => c === 'stats')).toHaveLength(2);
    expect(server.commands.filter((c) => c === 'peek 1')).toHaveLength(3);
    expect(server.commands.filter((c) => c.startsWith('put '))).toHaveLength(2); // puts are never resent
    // The connection was reset after each bad reply and came back (so did the lane); then all stays idle.
    await eventually(() => states[states.length - 1] === 'connected', 2000, 'reconnected');
    await sleep(300); // far more than the first backoff step (≤ 50 ms): every reset connection is back
    const connections = server.connections;
    const commandsSeen = server.commands.length;
    // Command connection: the first, plus one after each of its 3 resets; the lane: its first, plus one after its reset.
    expect(connections).toBe(4 + 2);
    await sleep(300);
    expect(server.connections).toBe(connections);
    expect(server.commands.length).toBe(commandsSeen);
    // Still a usable client: a new command is sent and fails the same typed way.
    expect(await failure(bs.listTubes())).toBeInstanceOf(BadReplyError);
  });

  test('close-mid-body: a safe command is resent 3 times (maxResends), then fails with ConnectionError; a put fails at once', async () => {
    const server = await hostile('close-mid-body');
    const bs = client(server.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const stats = await settleWithin(bs.stats(), BOUND_MS);
    expect(stats.kind === 'error' && stats.error).toBeInstanceOf(ConnectionError);
    expect(server.commands.filter((c) => c === 'stats')).toHaveLength(4); // sent once, resent 3 times
    const put = await settleWithin(bs.put('once'), BOUND_MS);
    expect(put.kind === 'error' && put.error).toBeInstanceOf(ConnectionError);
    expect(put.kind === 'error' && (put.error as ConnectionError).mayHaveReachedServer).toBe(true);
    expect(server.commands.filter((c) => c.startsWith('put '))).toHaveLength(1); // never resent
  });
});

describe('regressions found by these specs', () => {
  // The parser knows only the reply; the connection adds which connection and command it was.
  test('a BadReplyError from the parser names the connection and the command', async () => {
    const server = await hostile('garbage');
    const bs = client(server.url, { reconnect: false });
    const error = await failure(bs.stats());
    expect(error).toBeInstanceOf(BadReplyError);
    expect((error as BadReplyError).reply).toBeDefined();
    expect((error as BadReplyError).connection).toBe('victim');
    expect((error as BadReplyError).command).toBe('stats');
  });

  // Commands issued in reply callbacks wait for the end of the read; a read that then fails
  // must still leave them queued for the next connection, not stranded.
  test('a put issued in a reply callback goes out after the same read turns out bad', async () => {
    const server = await hostile('garbage-after-reply');
    const bs = client(server.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const second = new Promise<Outcome<number>>((resolve) => {
      bs.put('first').subscribe({
        next: () => void settleWithin(bs.put('second'), BOUND_MS).then(resolve),
        error: (error: unknown) => resolve({ kind: 'error', error, ms: 0 }),
      });
    });
    expect(await second).toMatchObject({ kind: 'value', value: 1 });
    expect(server.connections).toBe(2);
    expect(server.commands.filter((c) => c.startsWith('put '))).toHaveLength(2);
  });

  // Only a blocking reserve is resent for ever; the backoff restarts only after a good reply.
  test('reserveOne with a timeout ends in bounded time against a server that always drops mid-reply', async () => {
    const server = await hostile('close-mid-body');
    const bs = client(server.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, commandTimeoutMs: 500 });
    const outcome = await settleWithin(bs.watch('default').reserveOne({ timeout: 1 }), BOUND_MS);
    expect(outcome.kind === 'error' && outcome.error).toBeInstanceOf(ConnectionError);
    expect(server.connections).toBeLessThanOrEqual(10);
  });
});

describe('maxReplyBodyBytes against a real beanstalkd', () => {
  const ctx = useBeanstalkd({ maxJobSize: 1 << 20 });

  test('a body longer than maxReplyBodyBytes is refused at its header; the client recovers', async () => {
    const producer = client(ctx.server.url);
    const big = Buffer.alloc(200 * 1024, 0x61);
    const bigId = await firstValueFrom(producer.put(big));
    const smallId = await firstValueFrom(producer.put('small'));
    const guarded = client(ctx.server.url, { maxReplyBodyBytes: 64 * 1024 });
    const error = await failure(guarded.peek(bigId));
    expect(error).toBeInstanceOf(BadReplyError);
    expect((error as BadReplyError).message).toContain('reply body longer than 65536 bytes');
    expect((error as BadReplyError).reply).toBe(`FOUND ${bigId} ${big.length}`);
    // The connection was reset and reconnects by itself: small replies still come through.
    expect((await firstValueFrom(guarded.peek(smallId))).text()).toBe('small');
    expect((await firstValueFrom(producer.peek(bigId))).body.equals(big)).toBe(true);
    await firstValueFrom(producer.delete(bigId));
    await firstValueFrom(producer.delete(smallId));
  });
});
