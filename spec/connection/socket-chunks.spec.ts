import { Socket as NetSocket } from 'node:net';
import type { Socket } from 'node:net';
import type { Address } from '../../src/connection/address.js';
import { resolveOptions } from '../../src/connection/options.js';
import { ReadPlanner } from '../../src/connection/read-planner.js';
import { socketChunks } from '../../src/connection/socket-chunks.js';
import { ConnectionError } from '../../src/protocol/errors.js';
import { freePort } from '../../src/testing/index.js';
import { useBeanstalkd } from '../helpers/setup.js';
import { startHostileServer } from '../support/hostile-server.js';

/** Subscribes to a socket's chunks and records what arrives. */
function watch(address: Address, connectTimeoutMs = 5000, keepAliveMs?: number) {
  const options = resolveOptions({ name: 'chunks', address, connectTimeoutMs, keepAliveMs });
  let closedWhenEnded: boolean | undefined;
  const text: string[] = [];
  let socket: Socket | undefined;
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  let resolveEnd!: (outcome: 'complete' | Error) => void;
  const ended = new Promise<'complete' | Error>((resolve) => (resolveEnd = resolve));
  const subscription = socketChunks(options, new ReadPlanner(), (s) => {
    socket = s;
    connected();
  }).subscribe({
    next: (chunk) => text.push(Buffer.from(chunk).toString('latin1')), // copied: the buffer is reused
    error: (error: Error) => resolveEnd(error),
    complete: () => {
      closedWhenEnded = socket?.closed;
      resolveEnd('complete');
    },
  });
  return {
    subscription,
    ready,
    ended,
    text: () => text.join(''),
    socket: () => socket as Socket,
    closedWhenEnded: () => closedWhenEnded,
  };
}

const loopback = (port: number): Address => ({ host: '127.0.0.1', port });

describe('socketChunks: the socket as an Observable of byte chunks', () => {
  const ctx = useBeanstalkd();

  test('subscribing opens the socket; its reads arrive as chunks; unsubscribing destroys it', async () => {
    const h = watch(loopback(ctx.server.port));
    await h.ready;
    h.socket().write('use chunks\r\n');
    const deadline = Date.now() + 5000;
    while (!h.text().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(h.text()).toBe('USING chunks\r\n');
    h.subscription?.unsubscribe();
    expect(h.socket().destroyed).toBe(true);
  });

  test('the server ending the connection (FIN after quit) completes it at once', async () => {
    const h = watch(loopback(ctx.server.port));
    await h.ready;
    h.socket().write('quit\r\n');
    await expect(h.ended).resolves.toBe('complete');
    expect(h.closedWhenEnded()).toBe(false); // on the FIN itself, not Node's later 'close'
    expect(h.socket().destroyed).toBe(true);
  });

  test('TCP keepalive is on with keepAliveMs, off with 0', async () => {
    const setKeepAlive = jest.spyOn(NetSocket.prototype, 'setKeepAlive');
    try {
      const on = watch(loopback(ctx.server.port), 5000, 1234);
      await on.ready;
      expect(setKeepAlive.mock.calls).toEqual([[true, 1234]]);
      on.subscription.unsubscribe();
      const off = watch(loopback(ctx.server.port), 5000, 0);
      await off.ready;
      expect(setKeepAlive.mock.calls).toHaveLength(1);
      off.subscription.unsubscribe();
    } finally {
      setKeepAlive.mockRestore();
    }
  });

  test('a socket error (connection refused) errors it', async () => {
    const h = watch(loopback(await freePort()));
    const outcome = await h.ended;
    // (Node's own errors come from outside jest's realm: no instanceof check.)
    expect(outcome).not.toBe('complete');
    expect((outcome as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  test('a connect that takes longer than connectTimeoutMs errors it with ConnectionError', async () => {
    // TLS to a server that never answers: the TCP connect succeeds, the handshake never ends.
    const silent = await startHostileServer('silent');
    try {
      const started = Date.now();
      const h = watch({ ...loopback(silent.port), tls: true }, 200);
      const outcome = await h.ended;
      expect(outcome).toBeInstanceOf(ConnectionError);
      expect((outcome as ConnectionError).reason).toBe('connect timed out');
      expect((outcome as ConnectionError).connection).toBe('chunks');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await silent.close();
    }
  });
});
