import { firstValueFrom } from 'rxjs';
import * as commands from '../../src/protocol/commands.js';
import { freePort } from '../../src/testing/index.js';
import type { JobData } from '../../src/protocol/commands.js';
import { CommandTimeoutError, ConnectionError, NotFoundError } from '../../src/protocol/errors.js';
import { statesOf, useConnections } from '../helpers/connections.js';
import { failure, freshTube, sleep } from '../helpers/setup.js';

// What a connection does when its socket goes, seen through the fault proxy against a real
// beanstalkd: which commands are resent, how often it tries again, and what a failure says.

const { connect, proxy, server } = useConnections();

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

test('a blocking reserve is resent for as long as the connection reconnects (here 5 drops, more than maxResends)', async () => {
  const tube = freshTube();
  const direct = connect({ name: 'direct', address: { host: '127.0.0.1', port: server().port } });
  // Connections waiting in a reserve on the tube (a tube nobody watches and with no job is gone: 0).
  const waiting = (): Promise<number> =>
    firstValueFrom(direct.send(commands.statsTube(tube))).then(
      (stats) => stats.currentWaiting,
      (error: unknown) => {
        if (error instanceof NotFoundError) return 0;
        throw error;
      },
    );
  // Reconnecting after at least 150 ms (half the delay is fixed) leaves the server's "no
  // reserve waiting" state visible between drops; at 10 ms the next reserve could arrive first.
  const worker = connect({ maxResends: 3, reconnect: { initialDelayMs: 300, maxDelayMs: 300 } });
  const job = firstValueFrom(worker.send(commands.reserve([tube])));
  let error: unknown;
  job.catch((e: unknown) => (error = e));
  // "watch <tube>", "ignore default" and "reserve", each with CRLF, go up on every connection.
  const perConnection = `watch ${tube}\r\nignore default\r\nreserve\r\n`.length;
  for (let drop = 1; drop <= 5; drop++) {
    const before = proxy().stats.bytesUp;
    await until(
      `reserve ${drop} waits`,
      async () => proxy().stats.bytesUp >= before + perConnection && (await waiting()) === 1,
    );
    proxy().cutAll();
    await until(`drop ${drop} seen by the server`, async () => (await waiting()) === 0);
    expect(error).toBeUndefined();
  }
  const before = proxy().stats.bytesUp;
  await until(
    'the last reserve waits',
    async () => proxy().stats.bytesUp >= before + perConnection && (await waiting()) === 1,
  );
  expect(proxy().stats.connections).toBe(6);
  const id = await firstValueFrom(direct.send(commands.put(tube, 'after five drops')));
  const got: JobData = await job;
  expect(got.id).toBe(id);
  expect(got.body.toString()).toBe('after five drops');
});

test('reconnect.maxAttempts: exactly that many attempts after a loss, then closed', async () => {
  const connection = connect({ reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 } });
  await firstValueFrom(connection.send(commands.stats()));
  const seen = statesOf(connection);
  // Every later connection reaches the proxy, whose upstream then fails: it drops at once.
  proxy().setTarget({ host: '127.0.0.1', port: await freePort() });
  const stats = failure(connection.send(commands.stats()));
  proxy().cutAll();
  expect(await stats).toBeInstanceOf(ConnectionError);
  await until('closed', () => connection.state === 'closed');
  expect(proxy().stats.connections).toBe(1 + 3);
  expect(seen.filter((state) => state === 'reconnecting').length).toBeGreaterThanOrEqual(1);
  expect(seen[seen.length - 1]).toBe('closed');
});

test('a connection that stayed up 1 s counts as good: the next loss starts the attempts afresh', async () => {
  const connection = connect({ reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 1 } });
  await firstValueFrom(connection.send(commands.stats()));
  // A dead network: the next connection is accepted but gets no upstream and no reply.
  proxy().pause();
  const stats = firstValueFrom(connection.send(commands.stats()));
  proxy().cutAll();
  await until('the one attempt connected', () => proxy().stats.connections === 2 && connection.state === 'connected');
  await sleep(1300); // up for over a second, though nothing was answered
  proxy().cutAll();
  proxy().resume();
  // With its one attempt used up it would close; proven good, it tries again and stats gets through.
  expect((await stats).pid).toBe(server().pid);
  expect(proxy().stats.connections).toBe(3);
  expect(connection.state).toBe('connected');
});

test('a connection lost before it proved good does not reset the attempts', async () => {
  const connection = connect({ reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 1 } });
  await firstValueFrom(connection.send(commands.stats()));
  proxy().pause();
  const stats = failure(connection.send(commands.stats()));
  proxy().cutAll();
  await until('the one attempt connected', () => proxy().stats.connections === 2 && connection.state === 'connected');
  await sleep(200);
  proxy().cutAll();
  expect(await stats).toBeInstanceOf(ConnectionError);
  expect(connection.state).toBe('closed');
  expect(proxy().stats.connections).toBe(2);
  proxy().resume();
});

test('a command requeued for resending is not written: closed before it goes again, it never reached the server', async () => {
  const connection = connect({ reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
  await firstValueFrom(connection.send(commands.stats()));
  proxy().pause(); // stats is written, held by the proxy: in flight
  const stats = failure(connection.send(commands.stats()));
  const put = failure(connection.send(commands.put('default', 'in flight')));
  await sleep(100);
  proxy().cutAll(); // stats is requeued (safe to resend), put fails (it may have been acted on)
  const putError = (await put) as ConnectionError;
  expect(putError).toBeInstanceOf(ConnectionError);
  expect(putError.mayHaveReachedServer).toBe(true);
  await until('reconnecting', () => connection.state === 'reconnecting');
  await connection.destroy(); // long before the next attempt
  const error = (await stats) as ConnectionError;
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error.mayHaveReachedServer).toBe(false);
  proxy().resume();
});

test('a safe command is resent at most maxResends times, then fails saying it may have reached the server', async () => {
  const connection = connect({ maxResends: 1 });
  await firstValueFrom(connection.send(commands.stats()));
  proxy().pause(); // every write is held: the command is in flight on each connection
  const stats = failure(connection.send(commands.stats()));
  let settled = false;
  void stats.then(() => (settled = true));
  await sleep(100);
  proxy().cutAll(); // first loss: resent once
  await until('reconnected', () => proxy().stats.connections === 2 && connection.state === 'connected');
  await sleep(100);
  expect(settled).toBe(false);
  proxy().cutAll(); // second loss: no resend left
  const error = (await stats) as ConnectionError;
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error.reason).toMatch(/^connection lost before the reply/);
  expect(error.mayHaveReachedServer).toBe(true);
  proxy().resume();
});

test('after a command timeout nothing in flight is resent: it was all sent to a silent server', async () => {
  const connection = connect({ commandTimeoutMs: 300 });
  await firstValueFrom(connection.send(commands.stats()));
  proxy().pause();
  const first = failure(connection.send(commands.stats()));
  const second = failure(connection.send(commands.listTubes()));
  expect(await first).toBeInstanceOf(CommandTimeoutError);
  const error = (await second) as CommandTimeoutError;
  expect(error).toBeInstanceOf(CommandTimeoutError);
  // Failed with the reset, not timed out again after a resend.
  expect(error.reason).toMatch(/^connection lost before the reply/);
  expect(error.mayHaveReachedServer).toBe(true);
  expect(proxy().stats.connections).toBe(1);
  proxy().resume();
});
