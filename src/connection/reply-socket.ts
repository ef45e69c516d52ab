import type { Socket } from 'node:net';
import type { BadReplyError } from '../protocol/errors.js';
import { ConnectionError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { openSocket, readsIntoGivenBuffers } from './address.js';
import type { ResolvedOptions } from './options.js';
import { ReplyReader } from './reply-reader.js';

/** What a connection hears from its socket. */
export interface ReplySocketEvents {
  /** False once the connection has let go of this socket: its bytes are then ignored. */
  live(): boolean;
  readonly reply: (reply: Reply) => void;
  /** The parser found the stream unreadable (after the replies before the fault were emitted). */
  badReply(error: BadReplyError): void;
  /** A read's replies start (true) or are all delivered (false). */
  reading(reading: boolean): void;
  connected(): void;
  /** The socket ended: closed, failed, or the server sent FIN. Called at most twice; the first counts. */
  lost(error: Error | undefined): void;
}

/**
 * Opens a socket to the connection's address and feeds its bytes through the reply parser
 * (the parser behind parseReplies(), fed straight from the socket: no Observable hop per
 * read). Bounded by `connectTimeoutMs`; TCP keepalive per `keepAliveMs`; a FIN from the
 * server counts as the socket lost at once, before Node's own close.
 */
export function openReplySocket(options: ResolvedOptions, events: ReplySocketEvents): Socket {
  const context = { connection: options.name };
  const reader = new ReplyReader(
    { maxBodyBytes: options.maxReplyBodyBytes, reusesChunks: readsIntoGivenBuffers(options.address) },
    events.reply,
    (error) => error && events.live() && events.badReply(error),
  );
  const { socket, ready } = openSocket(options.address, {
    buffer: () => reader.buffer(),
    read: (buffer, bytes) => {
      if (!events.live()) return;
      events.reading(true);
      try {
        reader.read(buffer, bytes);
      } finally {
        events.reading(false);
      }
    },
  });
  let failure: Error | undefined;
  socket.on('error', (error: Error) => (failure ??= error)); // reported at 'close'; never crashes the process
  if (options.keepAliveMs > 0) socket.setKeepAlive(true, options.keepAliveMs);
  const connectTimer = setTimeout(
    () => socket.destroy(new ConnectionError('connect timed out', context)),
    options.connectTimeoutMs,
  );
  socket.once(ready, () => {
    clearTimeout(connectTimer);
    events.connected();
  });
  socket.once('end', () => events.lost(new ConnectionError('the server closed the connection', context)));
  socket.once('close', () => {
    clearTimeout(connectTimer);
    events.lost(failure);
  });
  return socket;
}
