import { startHostileServer } from '../support/hostile-server.js';
import type { HostileBehaviour, HostileServer, HostileServerOptions } from '../support/hostile-server.js';
import { delay, eventually, openRaw } from '../support/raw-socket.js';
import type { RawSocket } from '../support/raw-socket.js';

const servers: HostileServer[] = [];
const sockets: RawSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function hostile(behaviour: HostileBehaviour, options: HostileServerOptions = {}): Promise<HostileServer> {
  const server = await startHostileServer(behaviour, options);
  servers.push(server);
  return server;
}

async function open(port: number): Promise<RawSocket> {
  const socket = await openRaw(port);
  sockets.push(socket);
  return socket;
}

/** A put with a body that itself contains CRLF, so only a body-aware reader sees one command. */
const PUT = 'put 0 0 60 5\r\na\r\nbc\r\n';

describe('hostile servers', () => {
  it('garbage: one line of random non-protocol bytes per command line', async () => {
    const server = await hostile('garbage', { seed: 5 });
    expect(server.url).toBe(`beanstalk://127.0.0.1:${server.port}`);
    const client = await open(server.port);
    client.send(`stats\r\n${PUT}list-tubes\r\n`);
    const text = await client.waitFor((t) => t.split('\r\n').length === 4);
    const lines = text.split('\r\n').slice(0, 3);
    for (const line of lines) {
      expect(line.length).toBeGreaterThan(0);
      expect(line).not.toMatch(/^[A-Za-z]/);
      expect(line).not.toMatch(/[\r\n]/);
    }
    expect(server.commands).toEqual(['stats', 'put 0 0 60 5', 'list-tubes']);
    await delay(50);
    expect(client.text).toBe(text); // nothing more
  });

  it('huge-body-length: OK 1000000000000 and some bytes, then the connection stays open', async () => {
    const server = await hostile('huge-body-length', { trailingBytes: 100 });
    const client = await open(server.port);
    client.send('stats\r\n');
    const expected = `OK 1000000000000\r\n${'x'.repeat(100)}`;
    await client.waitFor((t) => t.length >= expected.length);
    await delay(50);
    expect(client.text).toBe(expected);
    expect(client.closed).toBe(false);
  });

  it('line-without-end: streams INSERTED 111… without a newline up to the cap, then goes quiet', async () => {
    const cap = 4 * 1024 * 1024;
    const chunkBytes = 64 * 1024;
    const server = await hostile('line-without-end', { maxBytes: cap, chunkBytes });
    const client = await open(server.port);
    // Counts event-loop turns (one setImmediate per turn) while the server is still streaming.
    // A rate per millisecond depends on how much CPU the machine gives this process; turns do
    // not: a server that yields between writes takes at least one turn per two chunks (a
    // 'drain' step and the immediate it schedules can share a turn), one that loops or uses
    // nextTick takes none.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      if (server.bytesSent > 0 && server.bytesSent < cap) turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    try {
      client.send(PUT);
      await eventually(() => client.bytes >= cap, 20000, `${cap} bytes`);
      expect(turns).toBeGreaterThanOrEqual(cap / chunkBytes / 2 - 1);
    } finally {
      ticking = false;
    }
    await delay(50);
    expect(client.bytes).toBe(cap);
    expect(server.bytesSent).toBe(cap);
    expect(client.closed).toBe(false);
    const text = client.text;
    expect(text.startsWith('INSERTED 1111')).toBe(true);
    expect(text.indexOf('\n')).toBe(-1);
    expect(/^INSERTED 1+$/.test(text)).toBe(true);
  });

  it('line-without-end: paced by backpressure, it does not outrun a reader that stops reading', async () => {
    const server = await hostile('line-without-end'); // default cap: 50 MiB
    const client = await open(server.port);
    client.socket.pause();
    client.send('stats\r\n');
    await eventually(() => server.bytesSent > 0, 2000, 'streaming started');
    await delay(300);
    const stalled = server.bytesSent;
    await delay(100);
    expect(server.bytesSent).toBe(stalled); // waiting for 'drain', not queueing in memory
    expect(stalled).toBeLessThan(50 * 1024 * 1024);
  });

  it('close-mid-body: RESERVED 1 100 and 40 body bytes, then FIN', async () => {
    const server = await hostile('close-mid-body');
    const client = await open(server.port);
    client.send('reserve\r\n');
    await client.waitClosed();
    expect(client.text).toBe(`RESERVED 1 100\r\n${'b'.repeat(40)}`);
    expect(client.ended).toBe(true);
    await eventually(() => server.live === 0, 1000, 'server side closed');
  });

  it('silent: accepts and reads, never answers', async () => {
    const server = await hostile('silent');
    const client = await open(server.port);
    client.send(`stats\r\n${PUT}`);
    await eventually(() => server.commands.length === 2, 1000, 'commands read');
    await delay(200);
    expect(client.bytes).toBe(0);
    expect(client.closed).toBe(false);
    expect(server.connections).toBe(1);
    expect(server.commands).toEqual(['stats', 'put 0 0 60 5']);
  });

  it('garbage-after-reply: the first reply on the first connection comes with a garbage line; the rest are valid', async () => {
    const server = await hostile('garbage-after-reply', { seed: 5 });
    const first = await open(server.port);
    first.send(`${PUT}${PUT}`);
    const text = await first.waitFor((t) => t.split('\r\n').length === 4);
    const [reply, garbage, second] = text.split('\r\n');
    expect(reply).toBe('INSERTED 1');
    expect(garbage).toMatch(/^[^A-Za-z]/); // not empty, not a reply word
    expect(second).toBe('INSERTED 2');
    const later = await open(server.port);
    later.send(`${PUT}stats\r\n`);
    expect(await later.waitFor((t) => t.split('\r\n').length === 3)).toBe('INSERTED 1\r\nINSERTED 2\r\n');
    expect(server.connections).toBe(2);
  });

  it('slow-drip: valid INSERTED replies, one byte at a time', async () => {
    const server = await hostile('slow-drip', { dripMs: 5 });
    const client = await open(server.port);
    const started = Date.now();
    client.send(`${PUT}${PUT}`);
    const expected = 'INSERTED 1\r\nINSERTED 2\r\n';
    await client.waitFor((t) => t === expected);
    expect(Date.now() - started).toBeGreaterThanOrEqual((expected.length - 1) * 5 - 10);
    expect(client.chunks).toBeGreaterThanOrEqual(expected.length - 2); // byte by byte
    const second = await open(server.port);
    second.send(PUT);
    await second.waitFor((t) => t === 'INSERTED 1\r\n'); // numbering is per connection
  });

  it('close() destroys every connection, mid-drip too', async () => {
    const server = await hostile('slow-drip', { dripMs: 50 });
    const clients = [await open(server.port), await open(server.port)];
    clients[0].send(PUT);
    await clients[0].waitFor((t) => t.length > 0);
    expect(server.connections).toBe(2);
    await server.close();
    await Promise.all(clients.map((client) => client.waitClosed(1000)));
    expect(clients[0].text.length).toBeLessThan('INSERTED 1\r\n'.length);
    expect(server.live).toBe(0);
  });

  it('wrong-word: a well-formed reply word that is wrong for the command (DELETED to put, INSERTED 77 otherwise)', async () => {
    const server = await hostile('wrong-word');
    const client = await open(server.port);
    client.send(`delete 1\r\n${PUT}stats\r\n`);
    const text = await client.waitFor((t) => t.split('\r\n').length === 4);
    expect(text).toBe('INSERTED 77\r\nDELETED\r\nINSERTED 77\r\n');
    expect(server.commands).toEqual(['delete 1', 'put 0 0 60 5', 'stats']);
  });
});
