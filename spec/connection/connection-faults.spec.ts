import * as commands from '../../src/protocol/commands.js';
import { BadReplyError, CommandTimeoutError, ConnectionError } from '../../src/protocol/errors.js';
import { startHostileServer } from '../support/hostile-server.js';
import { recordingSink, statesOf, useConnections, value } from '../helpers/connections.js';
import { failure, freshTube, sleep } from '../helpers/setup.js';

// The Connection class when the network or the server misbehaves: a real beanstalkd behind
// the fault proxy, and the hostile server. Every scenario opens its own connection inside
// its test.

const { connect, proxy } = useConnections();

describe('Connection: faults', () => {
  test('a command waiting offline past maxOfflineWaitMs fails, saying how long it waited', async () => {
    const port = proxy().port;
    await proxy().close(); // nothing listens there any more
    const connection = connect({ address: { host: '127.0.0.1', port }, maxOfflineWaitMs: 100 });
    const error = (await failure(connection.send(commands.put(freshTube(), 'late')))) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toBe('no connection for 100 ms');
    expect(error.command).toMatch(/^put /);
    expect(error.mayHaveReachedServer).toBe(false);
    expect(connection.pendingCount).toBe(0);
    expect(connection.state).toBe('reconnecting');
  });

  test('a silent server: the head command times out, the connection resets and recovers', async () => {
    const connection = connect({ commandTimeoutMs: 300 });
    await value(connection.send(commands.stats()));
    const states = statesOf(connection);
    proxy().pause();
    const head = failure(connection.send(commands.listTubes()));
    const second = failure(connection.send(commands.put(freshTube(), 'unanswered')));
    const error = (await head) as CommandTimeoutError;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error.reason).toBe('no reply within 300 ms');
    expect(error.command).toBe('list-tubes');
    expect(error.mayHaveReachedServer).toBe(true);
    const behind = (await second) as CommandTimeoutError;
    expect(behind).toBeInstanceOf(CommandTimeoutError);
    expect(behind.reason).toBe('connection lost before the reply: no reply within 300 ms');
    expect(states).toContain('reconnecting');
    proxy().resume();
    expect(await value(connection.send(commands.listTubeUsed()))).toBe('default');
  });

  test('a cancelled head that times out fails nothing but still resets the connection', async () => {
    const connection = connect({ commandTimeoutMs: 300 });
    await value(connection.send(commands.stats()));
    const states = statesOf(connection);
    proxy().pause();
    const head = recordingSink();
    const handle = connection.submit(commands.listTubes(), head);
    const later = failure(connection.send(commands.listTubes()));
    await Promise.resolve(); // written in this tick's flush
    await Promise.resolve();
    handle?.unsubscribe();
    expect(((await later) as Error).constructor.name).toBe('CommandTimeoutError');
    expect(states).toContain('reconnecting');
    expect(head.events).toEqual([]);
    proxy().resume();
  });

  test('the server ending the connection with reconnect off: what was in flight fails, naming the FIN', async () => {
    const connection = connect({ reconnect: false });
    await value(connection.send(commands.stats()));
    const quit = value(connection.send(commands.quit()).pipe());
    const after = failure(connection.send(commands.stats()));
    await quit.catch(() => undefined);
    const error = (await after) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toBe('connection lost before the reply: the server closed the connection');
    expect(connection.state).toBe('closed');
    const next = (await failure(connection.send(commands.stats()))) as ConnectionError;
    expect(next.reason).toBe('connection is closed');
  });

  test('a reply with the wrong word fails its own command with BadReplyError and resets the connection', async () => {
    const hostile = await startHostileServer('wrong-word');
    try {
      const connection = connect({ address: { host: '127.0.0.1', port: hostile.port }, reconnect: false });
      const error = (await failure(connection.send(commands.stats()))) as BadReplyError;
      expect(error).toBeInstanceOf(BadReplyError);
      expect(error.command).toBe('stats');
      expect(error.reply).toBe('INSERTED 77');
      expect(error.connection).toBe('under-test');
      await sleep(50);
      expect(connection.state).toBe('closed');
    } finally {
      await hostile.close();
    }
  });
});

describe('Connection: more faults', () => {
  test('the offline bound also runs while the first connect hangs (a TLS handshake never answered)', async () => {
    const silent = await startHostileServer('silent');
    try {
      const connection = connect({
        address: { host: '127.0.0.1', port: silent.port, tls: true },
        maxOfflineWaitMs: 100,
        connectTimeoutMs: 5000,
      });
      const started = Date.now();
      const error = (await failure(connection.send(commands.stats()))) as ConnectionError;
      expect(error.reason).toBe('no connection for 100 ms');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(connection.state).toBe('connecting');
    } finally {
      await silent.close();
    }
  });

  test('a socket that cannot even be opened (bad TLS options) ends the connection, saying why', async () => {
    const connection = connect({
      address: { host: '127.0.0.1', port: proxy().port, tls: { minVersion: 'TLSv0' as 'TLSv1' } },
      reconnect: false,
    });
    const error = (await failure(connection.send(commands.stats()))) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toMatch(/^connection lost: .*TLSv0/);
    expect(error.mayHaveReachedServer).toBe(false);
    expect(connection.state).toBe('closed');
  });

  test('a command in flight when the socket goes names its connection and command', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    proxy().pause();
    const tube = freshTube();
    const lost = failure(connection.send(commands.put(tube, 'in flight')));
    await sleep(50);
    proxy().cutAll();
    const error = (await lost) as ConnectionError;
    expect(error.reason).toBe('connection lost before the reply: the server closed the connection');
    expect(error.connection).toBe('under-test');
    expect(error.command).toMatch(/^put 1024 0 60 9$/);
    expect(error.mayHaveReachedServer).toBe(true);
  });

  test('a resent command whose connection does not come back fails after maxOfflineWaitMs', async () => {
    const connection = connect({ maxOfflineWaitMs: 100 });
    await value(connection.send(commands.stats()));
    proxy().pause();
    const stats = failure(connection.send(commands.stats()));
    await sleep(30);
    await proxy().close(); // nothing listens any more: every reconnect is refused
    const error = (await stats) as ConnectionError;
    expect(error.reason).toBe('no connection for 100 ms');
  });

  test('a wrong reply to the tube command a put needs resets the connection, naming that reply', async () => {
    const hostile = await startHostileServer('wrong-word');
    try {
      const connection = connect({ address: { host: '127.0.0.1', port: hostile.port }, reconnect: false });
      const error = (await failure(connection.send(commands.put(freshTube(), 'x')))) as ConnectionError;
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.reason).toBe('connection lost before the reply: unexpected reply for this command');
      expect(hostile.commands[0]).toMatch(/^use /);
    } finally {
      await hostile.close();
    }
  });

  test('an unreadable reply fails the oldest command waiting, with the reply in the error', async () => {
    const hostile = await startHostileServer('bad-reserve');
    try {
      const connection = connect({ address: { host: '127.0.0.1', port: hostile.port }, reconnect: false });
      const error = (await failure(connection.send(commands.reserve(['default'])))) as BadReplyError;
      expect(error).toBeInstanceOf(BadReplyError);
      expect(error.command).toBe('reserve');
      expect(error.reply).toBe('BOGUS');
    } finally {
      await hostile.close();
    }
  });

  test('a steady pipeline longer than commandTimeoutMs never times out', async () => {
    const connection = connect({ commandTimeoutMs: 200 });
    await value(connection.send(commands.stats()));
    const until = Date.now() + 800;
    let answered = 0;
    // Two commands always in flight, so the watchdog always has a head to look at.
    const worker = async () => {
      while (Date.now() < until) {
        await value(connection.send(commands.listTubeUsed()));
        answered++;
      }
    };
    await Promise.all([worker(), worker()]);
    expect(answered).toBeGreaterThan(10);
  });
});
