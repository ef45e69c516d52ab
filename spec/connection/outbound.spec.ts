import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { resolveOptions } from '../../src/connection/options.js';
import type { ConnectionOptions } from '../../src/connection/options.js';
import { Outbound } from '../../src/connection/outbound.js';
import type { Pending } from '../../src/connection/pending.js';
import * as commands from '../../src/protocol/commands.js';
import { encodedLength } from '../../src/protocol/encode.js';
import { ConnectionError } from '../../src/protocol/errors.js';
import { recordingSink, useConnections } from '../helpers/connections.js';
import { freshTube, sleep } from '../helpers/setup.js';

// The outbound side of a connection on a real socket to beanstalkd (through the fault proxy,
// paused where the bytes must stay in the client): its byte counters, the offline bound,
// resends and the final failure.

const { proxy } = useConnections();
const sockets: Socket[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

function outbound(options: Partial<ConnectionOptions> = {}) {
  const expired: Pending[] = [];
  let writes = 0;
  const written: Pending[] = [];
  const subject = new Outbound(
    resolveOptions({ name: 'n', address: {}, ...options }),
    () => writes++,
    (pending) => expired.push(pending),
  );
  subject.written$.subscribe((pending) => written.push(pending));
  return { subject, expired, written, writes: () => writes };
}

async function socket(): Promise<Socket> {
  const opened = netConnect({ host: '127.0.0.1', port: proxy().port });
  sockets.push(opened);
  await once(opened, 'connect');
  return opened;
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('Outbound: byte counters on a real socket', () => {
  test('while a large write waits in the client, only what the kernel took counts as sent', async () => {
    const { subject, written, writes } = outbound();
    const opened = await socket();
    proxy().pause();
    subject.attach(opened);
    const put = commands.put(freshTube(), Buffer.alloc(20 * 1024 * 1024, 0x61));
    subject.queue(put, recordingSink(), false);
    await flushed();
    expect(writes()).toBe(1);
    expect(written.map((pending) => pending.command.line)).toEqual([expect.stringMatching(/^use /), put.line]);
    const total = written[written.length - 1].sentBy;
    expect(total).toBe(written[0].command.line.length + 2 + encodedLength(put));
    expect(opened.writableLength).toBeGreaterThan(1024 * 1024);
    expect(subject.bytesSent).toBe(total - opened.writableLength);
    const handle = (opened as unknown as { _handle: { writeQueueSize: number } })._handle;
    expect(subject.bytesLeaving).toBe(handle.writeQueueSize);
    expect(subject.bytesLeaving).toBeGreaterThan(0);
    proxy().resume();
    while (opened.writableLength > 0) await sleep(10);
    expect(subject.bytesSent).toBe(total);
    expect(subject.bytesLeaving).toBe(0);
  });

  test('with no socket nothing is sent or leaving', () => {
    const { subject } = outbound();
    expect(subject.bytesSent).toBe(0);
    expect(subject.bytesLeaving).toBe(0);
  });
});

describe('Outbound: queued while offline', () => {
  test('a command queued offline expires after maxOfflineWaitMs; one queued online does not', async () => {
    const offline = outbound({ maxOfflineWaitMs: 50 });
    offline.subject.queue(commands.stats(), recordingSink(), true);
    const online = outbound({ maxOfflineWaitMs: 50 });
    online.subject.queue(commands.stats(), recordingSink(), false);
    await sleep(200);
    expect(offline.expired.map((pending) => pending.command.line)).toEqual(['stats']);
    expect(online.expired).toEqual([]);
    online.subject.failQueued(() => undefined);
    offline.subject.failQueued(() => undefined);
  });

  test('waitOffline starts the bound for what is already queued', async () => {
    const { subject, expired } = outbound({ maxOfflineWaitMs: 50 });
    subject.queue(commands.stats(), recordingSink(), false);
    subject.waitOffline();
    await sleep(200);
    expect(expired).toHaveLength(1);
    subject.failQueued(() => undefined);
  });

  test('requeue puts resends first, oldest first, counted and no longer written', async () => {
    const { subject, written } = outbound();
    subject.attach(await socket());
    subject.queue(commands.stats(), recordingSink(), false);
    subject.queue(commands.listTubes(), recordingSink(), false);
    await flushed();
    const [first, second] = written.splice(0);
    expect([first.written, second.written]).toEqual([true, true]);
    subject.detach();
    subject.queue(commands.listTubeUsed(), recordingSink(), false);
    subject.requeue([first, second]);
    expect([first.resends, second.resends, first.written, second.written]).toEqual([1, 1, false, false]);
    subject.attach(await socket());
    await flushed();
    expect(written.map((pending) => pending.command.line)).toEqual(['stats', 'list-tubes', 'list-tube-used']);
  });

  test('failQueued fails live commands only and writes nothing more', async () => {
    const { subject, written } = outbound();
    const live = recordingSink();
    const cancelled = recordingSink();
    subject.queue(commands.stats(), live, false);
    subject.queue(commands.stats(), cancelled, false).unsubscribe();
    subject.failQueued((pending) => pending.fail(new ConnectionError('closed')));
    expect(live.events).toEqual([expect.any(ConnectionError)]);
    expect(cancelled.events).toEqual([]);
    expect(subject.count).toBe(0);
    subject.attach(await socket());
    await flushed();
    expect(written).toEqual([]);
  });
});

describe('Outbound: coalesced writes', () => {
  test("commands queued while a read's replies are delivered leave in one write at its end", async () => {
    const { subject, written, writes } = outbound();
    subject.attach(await socket());
    await flushed();
    subject.reading(true);
    const burst: commands.Command<unknown>[] = [commands.stats(), commands.listTubes(), commands.listTubeUsed()];
    for (const command of burst) subject.queue(command, recordingSink(), false);
    await flushed(); // no microtask flush while the read lasts
    expect(writes()).toBe(0);
    subject.reading(false);
    expect(writes()).toBe(1);
    expect(written.map((pending) => pending.command.line)).toEqual(['stats', 'list-tubes', 'list-tube-used']);
    subject.reading(true);
    subject.reading(false); // nothing queued: no write
    expect(writes()).toBe(1);
  });

  test('a burst queued in one tick leaves in one write', async () => {
    const { subject, writes } = outbound();
    subject.attach(await socket());
    for (let i = 0; i < 5; i++) subject.queue(commands.stats(), recordingSink(), false);
    await flushed();
    expect(writes()).toBe(1);
  });

  test('a command cancelled before its write is never sent', async () => {
    const { subject, written, writes } = outbound();
    subject.attach(await socket());
    subject.queue(commands.put(freshTube(), 'never'), recordingSink(), false).unsubscribe();
    await flushed();
    expect(written).toEqual([]);
    expect(writes()).toBe(0);
  });

  test('detached before the flush: the commands wait for the next socket', async () => {
    const { subject, written } = outbound();
    subject.attach(await socket());
    subject.queue(commands.stats(), recordingSink(), false);
    subject.detach();
    await flushed();
    expect(written).toEqual([]);
    subject.attach(await socket());
    await flushed();
    expect(written.map((pending) => pending.command.line)).toEqual(['stats']);
  });

  test('a command with no reply (quit) completes once written and is not matched with a reply', async () => {
    const { subject, written } = outbound();
    subject.attach(await socket());
    const sink = recordingSink();
    subject.queue(commands.quit(), sink, false);
    expect(subject.count).toBe(1);
    await flushed();
    expect(sink.events).toEqual(['complete']);
    expect(written).toEqual([]);
    expect(subject.count).toBe(0);
  });
});
