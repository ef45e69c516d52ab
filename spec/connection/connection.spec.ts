import { firstValueFrom } from 'rxjs';
import * as commands from '../../src/protocol/commands.js';
import type { CommandSink } from '../../src/connection/pending.js';
import { ConnectionError, QueueFullError } from '../../src/protocol/errors.js';
import { recordingSink, statesOf, useConnections, value } from '../helpers/connections.js';
import { failure, freshTube, sleep } from '../helpers/setup.js';

// The Connection class against a real beanstalkd, through the fault proxy: its life cycle,
// close, abandon and destroy. Every scenario opens its own connection inside its test.

const { connect, proxy } = useConnections();

describe('Connection: life cycle', () => {
  test('idle and named until its first command, which connects it', async () => {
    const connection = connect();
    const states = statesOf(connection);
    expect(connection.name).toBe('under-test');
    expect(String(connection)).toBe(`under-test (beanstalk://127.0.0.1:${proxy().port})`);
    expect(connection.state).toBe('idle');
    expect(connection.pendingCount).toBe(0);
    expect(proxy().stats.connections).toBe(0);
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
    expect(proxy().stats.bytesUp).toBe('stats\r\n'.length);
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

describe('Connection: limits and replies', () => {
  test('maxOfflineQueue bounds what waits while down, not what is sent while connected', async () => {
    const connection = connect({ maxOfflineQueue: 1, reconnect: { initialDelayMs: 5000 } });
    await value(connection.send(commands.stats()));
    const both = await Promise.all([
      value(connection.send(commands.stats())),
      value(connection.send(commands.listTubes())),
    ]);
    expect(both).toHaveLength(2);
    proxy().cutAll();
    await sleep(30);
    expect(connection.state).toBe('reconnecting');
    connection.send(commands.stats()).subscribe({ error: () => undefined });
    const error = (await failure(connection.send(commands.listTubes()))) as QueueFullError;
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error.reason).toBe('offline queue is full (1 commands)');
  });

  test('a reply body over maxReplyBodyBytes fails the command it answers', async () => {
    const connection = connect({ maxReplyBodyBytes: 10 });
    const tube = freshTube();
    const id = await value(connection.send(commands.put(tube, 'x'.repeat(11))));
    const error = (await failure(connection.send(commands.peek(id)))) as Error;
    expect(error.constructor.name).toBe('BadReplyError');
    expect((error as ConnectionError).command).toBe(`peek ${id}`);
  });

  test('bodies stay intact after later reads reuse the read buffer', async () => {
    const connection = connect();
    const tube = freshTube();
    const sizes = [5, 300, 5000, 60_000, 7];
    const ids: number[] = [];
    for (const [index, size] of sizes.entries()) {
      ids.push(await value(connection.send(commands.put(tube, Buffer.alloc(size, 97 + index)))));
    }
    const bodies: Buffer[] = [];
    for (const id of ids) bodies.push((await value(connection.send(commands.peek(id)))).body);
    for (const id of ids) await value(connection.send(commands.peek(id))); // more reads over the same buffer
    expect(bodies.map((body) => [body.length, new Set(body).size, body[0]])).toEqual(
      sizes.map((size, index) => [size, 1, 97 + index]),
    );
  });

  test('an error reply to a command its caller cancelled is dropped, not delivered', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    const sink = recordingSink();
    const handle = connection.submit(commands.deleteJob(2 ** 31), sink);
    await Promise.resolve(); // written in this tick's flush, answered a round trip later
    await Promise.resolve();
    handle?.unsubscribe();
    await value(connection.send(commands.stats()));
    expect(sink.events).toEqual([]);
  });
});

describe('Connection: close, abandon, destroy', () => {
  test('closing a connection never used opens no socket', async () => {
    const connection = connect();
    const states = statesOf(connection);
    await connection.close();
    expect(states).toEqual(['idle', 'closed']);
    await sleep(20);
    expect(proxy().stats.connections).toBe(0);
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

  test('a connect whose only command was cancelled closes at once, without waiting for the socket', async () => {
    const connection = connect();
    const states = statesOf(connection);
    connection.send(commands.stats()).subscribe().unsubscribe();
    expect(connection.state).toBe('connecting');
    await connection.close();
    expect(states).toEqual(['idle', 'connecting', 'closed']);
  });

  test('work cancelled after close() while connecting: the socket ends as soon as it is up', async () => {
    const connection = connect();
    const subscription = connection.send(commands.stats()).subscribe();
    const started = Date.now();
    const closing = connection.close(2000);
    subscription.unsubscribe();
    await closing;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a socket that comes back with nothing to do stays up', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    const states = statesOf(connection);
    proxy().cutAll();
    while (states.filter((state) => state === 'connected').length < 2) await sleep(5);
    await sleep(100);
    expect(connection.state).toBe('connected');
    expect(await value(connection.send(commands.listTubeUsed()))).toBe('default');
  });

  test('close(0) gives up on in-flight commands at once; close(ms) after that long', async () => {
    for (const [timeoutMs, reason] of [
      [0, 'connection closed before the reply'],
      [100, 'close gave up after 100 ms'],
    ] as const) {
      const connection = connect();
      const tube = freshTube();
      await value(connection.send(commands.watch(tube)));
      const blocked = failure(connection.send(commands.reserve([tube])));
      await sleep(30);
      await connection.close(timeoutMs);
      const error = (await blocked) as ConnectionError;
      expect(error.reason).toBe(reason);
      expect(error.mayHaveReachedServer).toBe(true);
    }
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
    expect(proxy().stats.live).toBe(0);
  });

  test('a connection down and reconnecting closes at once; what waits fails with ConnectionError', async () => {
    const connection = connect({ reconnect: { initialDelayMs: 5000 } });
    await value(connection.send(commands.stats()));
    proxy().cutAll();
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

  test('abandon: commands written after the reserve fail with it instead of holding the close', async () => {
    const connection = connect();
    const tube = freshTube();
    await value(connection.send(commands.watch(tube)));
    const handle = connection.submit(commands.reserve([tube]), recordingSink());
    const behind = failure(connection.send(commands.listTubes()));
    await sleep(50);
    const started = Date.now();
    await connection.abandon(handle!);
    expect(Date.now() - started).toBeLessThan(1000);
    const error = (await behind) as ConnectionError;
    expect(error.reason).toBe('connection destroyed');
    expect(error.mayHaveReachedServer).toBe(true);
  });

  test('a command cancelled while queued is not failed by the close', async () => {
    const connection = connect({ reconnect: { initialDelayMs: 5000 } });
    await value(connection.send(commands.stats()));
    proxy().cutAll();
    await sleep(30);
    const sink = recordingSink();
    connection.submit(commands.stats(), sink)?.unsubscribe();
    await connection.close();
    expect(sink.events).toEqual([]);
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
    expect(connection.pendingCount).toBe(0);
    await sleep(30);
    expect(proxy().stats.live).toBe(0);
  });
});

describe('Connection: writes past 1 MiB unsent', () => {
  const huge = Buffer.alloc(20 * 1024 * 1024, 0x61);

  test('later commands wait in the outbox (never sent) until the socket drains', async () => {
    const connection = connect();
    await value(connection.send(commands.stats()));
    proxy().pause();
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
    proxy().pause();
    const tooBig = failure(connection.send(commands.put('default', huge)));
    await sleep(50);
    const after = value(connection.send(commands.listTubeUsed()));
    await sleep(50);
    proxy().resume();
    expect(((await tooBig) as Error).constructor.name).toBe('JobTooBigError');
    expect(await after).toBe('default');
  });
});
