import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Socket } from 'node:net';
import { ConnectionError } from '../protocol/errors.js';
import { openSocket } from './address.js';
import type { ResolvedOptions } from './options.js';
import type { ReadPlanner } from './read-planner.js';

/**
 * A socket's incoming bytes as an Observable of chunks. Subscribing opens the socket,
 * unsubscribing destroys it. It completes when the server ends the connection (FIN, at once:
 * before Node's own close) or the socket closes cleanly, and errors on a socket error,
 * including `connectTimeoutMs` passing before the socket is ready. Each read lands where
 * `planner` says (see ReadPlanner), and the chunk is emitted once its bytes are there; the
 * chunk must be consumed before `next` returns, as the next read may overwrite it.
 * `connected` gets the socket once it is ready for commands; TCP keepalive per `keepAliveMs`.
 */
export function socketChunks(
  options: ResolvedOptions,
  planner: ReadPlanner,
  connected: (socket: Socket) => void,
): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const { socket, ready } = openSocket(options.address, {
      buffer: () => planner.buffer(),
      read: (buffer, bytes) => subscriber.next(bytes === buffer.length ? buffer : buffer.subarray(0, bytes)),
    });
    // Every error goes to the subscriber (or nowhere, once it is gone): never to the process.
    socket.on('error', (error: Error) => subscriber.error(error));
    if (options.keepAliveMs > 0) socket.setKeepAlive(true, options.keepAliveMs);
    const connectTimer = setTimeout(
      () => socket.destroy(new ConnectionError('connect timed out', { connection: options.name })),
      options.connectTimeoutMs,
    );
    socket.once(ready, () => {
      clearTimeout(connectTimer);
      connected(socket);
    });
    socket.once('end', () => subscriber.complete());
    socket.once('close', () => subscriber.complete());
    return () => {
      clearTimeout(connectTimer);
      socket.destroy();
    };
  });
}

/**
 * Marks each chunk's delivery downstream as one read (`reading(true)`, then `reading(false)`
 * once all its replies were handled), so commands issued from reply callbacks leave in one
 * socket write at the end of the read.
 */
export function eachReadAsOne(reading: (reading: boolean) => void): MonoTypeOperatorFunction<Uint8Array> {
  return (source) =>
    new Observable<Uint8Array>((subscriber) =>
      source.subscribe({
        next: (chunk) => {
          reading(true);
          try {
            subscriber.next(chunk);
          } finally {
            reading(false);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
