import { startBeanstalkd, freePort } from '../../src/testing/index.js';
import type { RunningBeanstalkd } from '../../src/testing/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy, FaultProxyOptions } from '../support/fault-proxy.js';
import { delay, eventually, okComplete, openRaw, serverCounter, serverStat } from '../support/raw-socket.js';
import type { RawSocket } from '../support/raw-socket.js';

let server: RunningBeanstalkd;
const proxies: FaultProxy[] = [];
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startBeanstalkd();
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});
afterAll(async () => {
  await server?.stop();
});

async function proxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const started = await startFaultProxy({ target: { host: server.host, port: server.port }, ...options });
  proxies.push(started);
  return started;
}

async function open(port: number): Promise<RawSocket> {
  const socket = await openRaw(port);
  sockets.push(socket);
  return socket;
}

/** Sends one request and waits for the exact reply. */
async function exchange(socket: RawSocket, request: string, reply: string | RegExp): Promise<string> {
  socket.reset();
  socket.send(request);
  const text = await socket.waitFor((t) => (typeof reply === 'string' ? t === reply : reply.test(t)));
  socket.reset();
  return text;
}

const INSERTED = /^INSERTED (\d+)\r\n$/;

describe('fault proxy: forwarding', () => {
  it('keeps put, peek and stats byte-exact with splitWrites and delay', async () => {
    const faulty = await proxy({ splitWrites: true, delayMs: 20, seed: 1 });
    const client = await open(faulty.port);

    const started = Date.now();
    client.send('put 0 0 60 5\r\nhello\r\n');
    const inserted = await client.waitFor((t) => INSERTED.test(t));
    expect(Date.now() - started).toBeGreaterThanOrEqual(38); // delayed both ways
    expect(client.chunks).toBeGreaterThan(1); // really split on the way back
    const id = Number(INSERTED.exec(inserted)![1]);

    await exchange(client, `peek ${id}\r\n`, `FOUND ${id} 5\r\nhello\r\n`);

    // Every byte value, CR/LF included, survives the trip both ways.
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    client.reset();
    client.send(Buffer.concat([Buffer.from('put 0 0 60 256\r\n'), body, Buffer.from('\r\n')]));
    const binaryId = Number(INSERTED.exec(await client.waitFor((t) => INSERTED.test(t)))![1]);
    client.reset();
    client.send(`peek ${binaryId}\r\n`);
    const header = `FOUND ${binaryId} 256\r\n`;
    await client.waitFor((t) => t.length >= header.length + 258);
    expect(client.received.equals(Buffer.concat([Buffer.from(header), body, Buffer.from('\r\n')]))).toBe(true);

    client.reset();
    client.send('stats\r\n');
    const stats = await client.waitFor(okComplete);
    const [, length] = /^OK (\d+)\r\n/.exec(stats)!;
    expect(stats.length).toBe(`OK ${length}\r\n`.length + Number(length) + 2);
    expect(stats).toContain(`\npid: ${server.pid}\n`);
    expect(client.chunks).toBeGreaterThan(stats.length / 2);
    expect(faulty.stats).toMatchObject({ connections: 1, cuts: 0, live: 1 });
    expect(faulty.stats.bytesDown).toBe(
      inserted.length +
        `FOUND ${id} 5\r\nhello\r\n`.length +
        `INSERTED ${binaryId}\r\n`.length +
        header.length +
        258 +
        stats.length,
    );
  });

  it('keeps pipelined commands in order', async () => {
    const faulty = await proxy({ splitWrites: true, delayMs: 5 });
    const client = await open(faulty.port);
    client.send('use proxy-order\r\nput 0 0 60 2\r\nab\r\nput 0 0 60 2\r\ncd\r\nlist-tube-used\r\n');
    const text = await client.waitFor((t) => t.endsWith('USING proxy-order\r\n') && t.split('\r\n').length === 5);
    expect(text).toMatch(/^USING proxy-order\r\nINSERTED (\d+)\r\nINSERTED (\d+)\r\nUSING proxy-order\r\n$/);
  });

  it('forwards a half-close: a pending reserve gets TIMED_OUT and both sides close', async () => {
    const faulty = await proxy({ delayMs: 5 });
    const client = await open(faulty.port);
    await exchange(client, 'watch proxy-half-close\r\nignore default\r\n', 'WATCHING 2\r\nWATCHING 1\r\n');
    client.send('reserve\r\n');
    await delay(30);
    client.socket.end();
    await client.waitFor((t) => t === 'TIMED_OUT\r\n');
    await client.waitClosed();
    await eventually(() => faulty.stats.live === 0, 2000, 'pair cleaned up');
  });

  it('setTarget sends new connections to another server; a dead target closes the client', async () => {
    const other = await startBeanstalkd();
    try {
      const faulty = await proxy();
      const before = await open(faulty.port);
      faulty.setTarget({ host: other.host, port: other.port });
      const after = await open(faulty.port);
      for (const [socket, pid] of [
        [before, server.pid],
        [after, other.pid],
      ] as const) {
        socket.send('stats\r\n');
        expect(await socket.waitFor(okComplete)).toContain(`\npid: ${pid}\n`);
      }

      faulty.setTarget({ host: '127.0.0.1', port: await freePort() });
      const refused = await open(faulty.port);
      await refused.waitClosed();
      expect(refused.bytes).toBe(0);

      faulty.setTarget({ host: server.host, port: server.port });
      await exchange(await open(faulty.port), 'list-tube-used\r\n', 'USING default\r\n');
      expect(faulty.stats.connections).toBe(4);
    } finally {
      await other.stop();
    }
  });
});

describe('fault proxy: cuts', () => {
  it('cutAll destroys both sides of every pair', async () => {
    const faulty = await proxy();
    const first = await open(faulty.port);
    const second = await open(faulty.port);
    await exchange(first, 'list-tube-used\r\n', 'USING default\r\n');
    await exchange(second, 'list-tube-used\r\n', 'USING default\r\n');
    const connected = await serverCounter(server.port, 'current-connections');

    faulty.cutAll();
    await first.waitClosed(1000);
    await second.waitClosed(1000);
    // The upstream sockets are gone too: the server counts two connections fewer.
    await eventually(
      async () => (await serverCounter(server.port, 'current-connections')) === connected - 2,
      2000,
      'server-side close',
    );
    expect(faulty.stats).toMatchObject({ connections: 2, cuts: 2, live: 0 });

    // The proxy itself still accepts.
    await exchange(await open(faulty.port), 'list-tube-used\r\n', 'USING default\r\n');
  });

  it('cutEveryMs keeps cutting live connections and keeps accepting new ones', async () => {
    const faulty = await proxy({ cutEveryMs: [30, 60], seed: 42 });
    let replies = 0;
    let closes = 0;
    // Until enough cuts are seen (a fixed 600 ms window held too few on a loaded machine);
    // the deadline only guards against a proxy that stops cutting or accepting.
    const deadline = Date.now() + 20000;
    while (closes < 5 || replies < 3) {
      if (Date.now() > deadline) throw new Error(`only ${closes} cuts and ${replies} replies in 20 s`);
      const client = await open(faulty.port);
      try {
        await exchange(client, 'list-tube-used\r\n', 'USING default\r\n');
        replies += 1;
      } catch {
        // cut before the reply came back: fine
      }
      await client.waitClosed(5000); // cuts come every 30-60 ms, later only if the machine is busy
      closes += 1;
    }
    expect(faulty.stats.cuts).toBe(closes);
    expect(faulty.stats.connections).toBe(closes);
  });

  it('cutAll({ atRandomByte }) arms idle pairs and cuts inside the next reply', async () => {
    const faulty = await proxy({ seed: 3 });
    const client = await open(faulty.port);
    client.send('stats\r\n');
    const full = await client.waitFor(okComplete);

    client.reset();
    faulty.cutAll({ atRandomByte: true, direction: 'down' });
    await delay(50);
    expect(client.closed).toBe(false); // idle: nothing to cut inside yet
    expect(faulty.stats.cuts).toBe(0);

    client.send('stats\r\n');
    await client.waitClosed();
    expect(client.bytes).toBeGreaterThan(0);
    expect(client.bytes).toBeLessThan(full.length + 20);
    expect(okComplete(client.text)).toBe(false);
    expect(client.text.startsWith('OK '.slice(0, client.bytes))).toBe(true);
    expect(faulty.stats.cuts).toBe(1);
  });

  it('an upward random-byte cut lands inside a put body and the server stores nothing', async () => {
    const faulty = await proxy({ seed: 9 });
    const client = await open(faulty.port);
    await exchange(client, 'use proxy-cut-up\r\n', 'USING proxy-cut-up\r\n');
    const put = `put 0 0 60 20000\r\n${'x'.repeat(20000)}\r\n`;
    const upBefore = faulty.stats.bytesUp;

    faulty.cutAll({ atRandomByte: true, direction: 'up' });
    client.send(put);
    await client.waitClosed();
    expect(client.bytes).toBe(0);
    const forwarded = faulty.stats.bytesUp - upBefore;
    expect(forwarded).toBeGreaterThan(0);
    expect(forwarded).toBeLessThan(put.length);
    // The half-sent job never existed; the tube vanished with its only user.
    await eventually(
      async () => (await exchange(await open(server.port), 'stats-tube proxy-cut-up\r\n', /\r\n$/)) === 'NOT_FOUND\r\n',
      2000,
      'tube gone',
    );
  });

  it('cutEveryMs with cutAtRandomByte lands its cuts inside replies, with splitWrites too', async () => {
    const faulty = await proxy({
      cutEveryMs: [20, 40],
      cutAtRandomByte: true,
      cutDirection: 'down',
      splitWrites: true,
      seed: 11,
    });
    const partials: number[] = [];
    // Until 5 cuts are seen (a fixed 700 ms window held fewer than 3 on a loaded machine: every
    // byte takes an event-loop turn with splitWrites); the deadline guards against no cuts.
    const deadline = Date.now() + 20000;
    while (partials.length < 5) {
      if (Date.now() > deadline) throw new Error(`only ${partials.length} cuts in 20 s`);
      const client = await open(faulty.port);
      for (;;) {
        client.reset();
        client.send('stats\r\n');
        try {
          await client.waitFor(okComplete);
        } catch {
          break; // cut
        }
      }
      partials.push(client.bytes);
    }
    for (const bytes of partials) expect(bytes).toBeGreaterThan(0); // every cut fell inside a reply
    expect(faulty.stats.cuts).toBe(partials.length);
  });
});

describe('fault proxy: pause', () => {
  it('holds bytes both ways and new connections while paused, and delivers them on resume', async () => {
    const faulty = await proxy();
    const putter = await open(faulty.port);
    const reserver = await open(faulty.port);
    await exchange(putter, 'list-tube-used\r\n', 'USING default\r\n');
    await exchange(reserver, 'watch proxy-pause\r\nignore default\r\n', 'WATCHING 2\r\nWATCHING 1\r\n');
    reserver.send('reserve-with-timeout 1\r\n'); // its TIMED_OUT will come back during the pause
    await delay(30);

    const puts = await serverCounter(server.port, 'cmd-put');
    const connected = await serverCounter(server.port, 'current-connections');
    faulty.pause();
    putter.send('put 0 0 60 5\r\nhello\r\n');
    const late = await open(faulty.port); // accepted, but no upstream yet
    late.send('list-tube-used\r\n');
    await delay(1200);

    expect(reserver.bytes + putter.bytes + late.bytes).toBe(0);
    expect([putter.closed, reserver.closed, late.closed]).toEqual([false, false, false]);
    expect(await serverCounter(server.port, 'cmd-put')).toBe(puts);
    expect(await serverCounter(server.port, 'current-connections')).toBe(connected);

    faulty.resume();
    await reserver.waitFor((t) => t === 'TIMED_OUT\r\n');
    await putter.waitFor((t) => INSERTED.test(t));
    await late.waitFor((t) => t === 'USING default\r\n');
    expect(await serverCounter(server.port, 'cmd-put')).toBe(puts + 1);
    expect(faulty.stats.cuts).toBe(0);
  });

  it('close() destroys live connections and stops the cut timer', async () => {
    const faulty = await proxy({ cutEveryMs: [5000, 6000], delayMs: 10000 });
    const client = await open(faulty.port);
    client.send('list-tube-used\r\n'); // parked in a 10 s delay
    await delay(20);
    await faulty.close();
    await client.waitClosed(1000);
    expect(faulty.stats.live).toBe(0);
    expect(await serverStat(server.port, 'pid')).toBe(String(server.pid));
  });
});
