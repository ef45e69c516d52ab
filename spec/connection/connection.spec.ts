import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { Connection } from '../../src/connection/connection.js';
import type { ConnectionOptions, ConnectionState } from '../../src/connection/connection.js';
import type { CommandSink } from '../../src/connection/pending.js';
import * as commands from '../../src/protocol/commands.js';
import { BadReplyError, CommandTimeoutError, ConnectionError, QueueFullError } from '../../src/protocol/errors.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startHostileServer } from '../support/hostile-server.js';
import { failure, freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

// The Connection class itself against a real beanstalkd (through the fault proxy where the
// network must misbehave): every scenario opens its own connection inside its test.

const context = useBeanstalkd();
let proxy: FaultProxy;
const open: Connection[] = [];

beforeEach(async () => {
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: context.server.port } });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.destroy()));
  await proxy.close();
});

function connect(options: Partial<ConnectionOptions> = {}): Connection {
  const connection = new Connection({
    name: 'under-test',
    address: { host: '127.0.0.1', port: proxy.port },
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    ...options,
  });
  open.push(connection);
  return connection;
}

function statesOf(connection: Connection): ConnectionState[] {
  const states: ConnectionState[] = [];
  connection.state$.subscribe((state) => states.push(state));
  return states;
}

const value = <T>(source: Observable<T>): Promise<T> => firstValueFrom(source);

describe('Connection: life cycle', () => {
  test('idle and named until its first command, which connects it', async () => {
    const connection = connect();
    const states = statesOf(connection);
    expect(connection.name).toBe('under-test');
    expect(String(connection)).toBe(`under-test (beanstalk://127.0.0.1:${proxy.port})`);
    expect(connection.state).toBe('idle');
    expect(connection.pendingCount).toBe(0);
    expect(proxy.stats.connections).toBe(0);
    expect(await value(connection.send(commands.listTubeUsed()))).toBe('default');
    expect(connection.state).toBe('connected');
    expect(states).toEqual(['idle', 'connecting', 'connected']);
  });

  test('pendingCount counts what is queued and in flight', async () => {
    const connection = connect();
    const replies = Promise.all([1, 2, 3].map(() => value(connection.send(commands.listTubeUsed()))));
    expect(connection.pendingCount).toBe(3);
    await replies;
    expect(connection.pendingCount).toBe(0);
  });

  test('a closing or closed connection refuses commands, naming itself and the command', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    const closing = connection.close();
    const early = (await failure(connection.send(commands.stats()))) as ConnectionError;
    await closing;
    const late = (await failure(connection.send(commands.listTubes()))) as ConnectionError;
    for (const [error, line] of [
      [early, 'stats'],
      [late, 'list-tubes'],
    ] as const) {
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.reason).toBe('connection is closed');
      expect(error.connection).toBe('under-test');
      expect(error.command).toBe(line);
      expect(error.mayHaveReachedServer).toBe(false);
    }
  });

  test('over maxPendingCommands: QueueFullError, before a byte is written', async () => {
    const connection = connect({ maxPendingCommands: 1 });
    const first = value(connection.send(commands.stats()));
    const error = (await failure(connection.send(commands.listTubes()))) as QueueFullError;
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error.connection).toBe('under-test');
    expect(error.command).toBe('list-tubes');
    expect(error.reason).toBe('too many commands waiting (1)');
    await first;
    expect(proxy.stats.bytesUp).toBe('stats\r\n'.length);
  });

  test('the observer sees every command and may wrap its sink', async () => {
    const seen: string[] = [];
    const connection = connect({
      observer: {
        command: <T>(command: commands.Command<T>, sink: CommandSink<T>, name: string): CommandSink<T> => {
          seen.push(`${name}: ${command.line}`);
          return {
            next: (result) => sink.next((typeof result === 'string' ? `seen ${result}` : result) as T),
            error: (error) => sink.error(error),
            complete: () => sink.complete(),
          };
        },
      },
    });
    expect(await value(connection.send(commands.listTubeUsed()))).toBe('seen default');
    expect(seen).toEqual(['under-test: list-tube-used']);
  });
});

describe('Connection: close, abandon, destroy', () => {
  test('closing a connection never used opens no socket', async () => {
    const connection = connect();
    const states = statesOf(connection);
    await connection.close();
    expect(states).toEqual(['idle', 'closed']);
    await sleep(20);
    expect(proxy.stats.connections).toBe(0);
  });

  test('commands queued while the first connect is under way still get their replies', async () => {
    const connection = connect();
    const tube = freshTube();
    const put = value(connection.send(commands.put(tube, 'before close')));
    expect(connection.state).toBe('connecting');
    await connection.close();
    const id = await put;
    expect(id).toBeGreaterThan(0);
    expect(connection.state).toBe('closed');
  });

  test('a connect whose only command was cancelled closes at once', async () => {
    const connection = connect();
    connection.send(commands.stats()).subscribe().unsubscribe();
    expect(connection.state).toBe('connecting');
    await connection.close();
    expect(connection.state).toBe('closed');
  });

  test('a connected connection lets its in-flight commands finish, then ends the socket', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    const tube = freshTube();
    const timedOut = firstValueFrom(connection.send(commands.reserveWithTimeout([tube], 1)), {
      defaultValue: 'timed out' as const,
    });
    await sleep(50);
    const started = Date.now();
    await connection.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(await timedOut).toBe('timed out');
    expect(proxy.stats.live).toBe(0);
  });

  test('a connection down and reconnecting closes at once; what waits fails with ConnectionError', async () => {
    const connection = connect({ reconnect: { initialDelayMs: 5000 } });
    await value(connection.send(commands.stats()));
    proxy.cutAll();
    await sleep(50);
    expect(connection.state).toBe('reconnecting');
    const queued = failure(connection.send(commands.listTubes()));
    await connection.close();
    const error = (await queued) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toBe('connection closed');
    expect(error.mayHaveReachedServer).toBe(false);
  });

  test('abandon: a written blocking reserve is given up once what was sent before it is answered', async () => {
    const connection = connect();
    const tube = freshTube();
    await value(connection.send(commands.watch(tube)));
    const earlier = firstValueFrom(connection.send(commands.reserveWithTimeout([tube], 1)), { defaultValue: 'none' });
    const sink: CommandSink<commands.JobData> = {
      next: () => undefined,
      error: () => undefined,
      complete: () => undefined,
    };
    const handle = connection.submit(commands.reserve([tube]), sink);
    await sleep(50);
    const started = Date.now();
    await connection.abandon(handle!);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(await earlier).toBe('none');
    expect(connection.state).toBe('closed');
  });

  test('abandon: a reserve never written is dropped and the connection closes gracefully', async () => {
    const connection = connect();
    const tube = freshTube();
    const put = value(connection.send(commands.put(tube, 'x')));
    const errors: unknown[] = [];
    const handle = connection.submit(commands.reserve([tube]), {
      next: () => errors.push('a job'),
      error: (error) => errors.push(error),
      complete: () => undefined,
    });
    await connection.abandon(handle!);
    expect(await put).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(connection.state).toBe('closed');
  });

  test('destroy: in-flight commands fail as maybe done, queued ones as never sent', async () => {
    const connection = connect();
    const tube = freshTube();
    await value(connection.send(commands.watch(tube)));
    const blocked = failure(connection.send(commands.reserve([tube])));
    await sleep(50);
    const queued = failure(connection.send(commands.stats()));
    await connection.destroy();
    const inFlight = (await blocked) as ConnectionError;
    const notSent = (await queued) as ConnectionError;
    expect(inFlight.reason).toBe('connection destroyed');
    expect(inFlight.mayHaveReachedServer).toBe(true);
    expect(inFlight.command).toBe(`reserve`);
    expect(notSent.reason).toBe('connection destroyed');
    expect(notSent.mayHaveReachedServer).toBe(false);
  });
});

describe('Connection: writes past 1 MiB unsent', () => {
  const huge = Buffer.alloc(20 * 1024 * 1024, 0x61);

  test('later commands wait in the outbox (never sent) until the socket drains', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    proxy.pause();
    const big = failure(connection.send(commands.put(freshTube(), huge)));
    await sleep(50);
    const queued = failure(connection.send(commands.stats()));
    await sleep(50);
    await connection.destroy();
    expect(((await queued) as ConnectionError).mayHaveReachedServer).toBe(false);
    expect(((await big) as ConnectionError).mayHaveReachedServer).toBe(true);
  });

  test('once it drains, what waited is written and answered', async () => {
    const connection = connect();
    await value(connection.send(commands.listTubeUsed()));
    proxy.pause();
    const tooBig = failure(connection.send(commands.put('default', huge)));
    await sleep(50);
    const after = value(connection.send(commands.listTubeUsed()));
    await sleep(50);
    proxy.resume();
    expect(((await tooBig) as Error).constructor.name).toBe('JobTooBigError');
    expect(await after).toBe('default');
  });
});

describe('Connection: faults', () => {
  test('a command waiting offline past maxOfflineWaitMs fails, saying how long it waited', async () => {
    const port = proxy.port;
    await proxy.close(); // nothing listens there any more
    const connection = connect({ address: { host: '127.0.0.1', port }, maxOfflineWaitMs: 100 });
    const error = (await failure(connection.send(commands.put(freshTube(), 'late')))) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toBe('no connection for 100 ms');
    expect(error.command).toMatch(/^put /);
    expect(error.mayHaveReachedServer).toBe(false);
    expect(connection.state).toBe('reconnecting');
  });

  test('a silent server: the head command times out, the connection resets and recovers', async () => {
    const connection = connect({ commandTimeoutMs: 300 });
    await value(connection.send(commands.stats()));
    const states = statesOf(connection);
    proxy.pause();
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
    proxy.resume();
    expect(await value(connection.send(commands.listTubeUsed()))).toBe('default');
  });

  test('a cancelled head that times out fails nothing but still resets the connection', async () => {
    const connection = connect({ commandTimeoutMs: 300 });
    await value(connection.send(commands.stats()));
    const states = statesOf(connection);
    proxy.pause();
    const errors: unknown[] = [];
    connection
      .send(commands.stats())
      .subscribe({ error: (error) => errors.push(error) })
      .unsubscribe();
    const later = connection.send(commands.listTubes()).subscribe({ error: (error) => errors.push(error) });
    await sleep(700);
    expect(states).toContain('reconnecting');
    later.unsubscribe();
    expect(errors.map((error) => (error as Error).constructor.name)).toEqual(['CommandTimeoutError']);
    proxy.resume();
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
