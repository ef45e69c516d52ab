import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createRandom } from './random.js';

/**
 * Loopback servers that misbehave on purpose, for client robustness specs. Each one reads
 * command lines the way beanstalkd does (a `put` line's body is skipped, not answered) and
 * answers them badly.
 *
 * - `garbage`: every command line gets one line of random non-protocol bytes + CRLF (the
 *   first byte is never an ASCII letter, no CR/LF inside).
 * - `huge-body-length`: every command line gets `OK 1000000000000\r\n` and `trailingBytes`
 *   bytes of `x`; the connection then stays open.
 * - `line-without-end`: the first command line gets `INSERTED 1111…` streamed without a
 *   newline, paced by socket backpressure and the event loop, up to `maxBytes` (then silence;
 *   the socket stays open).
 * - `close-mid-body`: every command line gets `RESERVED 1 100\r\n` + 40 body bytes, then the
 *   server half-closes (FIN) and stops answering.
 * - `silent`: accepts, reads, never answers.
 * - `slow-drip`: every command line gets a valid `INSERTED <n>\r\n` (n = 1, 2, … per
 *   connection), written one byte every `dripMs`.
 * - `garbage-after-reply`: every command line gets a valid `INSERTED <n>\r\n`, except that on
 *   the first connection the first one is followed, in the same write, by a garbage line:
 *   the client reads a good reply and a bad one in one chunk.
 * - `wrong-word`: every command line gets a well-formed beanstalkd reply that is wrong for it:
 *   `put` gets `DELETED`, everything else `INSERTED 77`. The parser accepts each one; only the
 *   command it belongs to can tell it is wrong.
 */
export type HostileBehaviour =
  | 'garbage'
  | 'huge-body-length'
  | 'line-without-end'
  | 'close-mid-body'
  | 'silent'
  | 'slow-drip'
  | 'garbage-after-reply'
  | 'wrong-word';

export interface HostileServerOptions {
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  /** Seed for `garbage`. */
  readonly seed?: number;
  /** `slow-drip`: ms between bytes. Default 5. */
  readonly dripMs?: number;
  /** `line-without-end`: total bytes to stream before going silent. Default 50 MiB. */
  readonly maxBytes?: number;
  /** `line-without-end`: bytes per write. Default 64 KiB. */
  readonly chunkBytes?: number;
  /** `huge-body-length`: body bytes sent after the header. Default 1024. */
  readonly trailingBytes?: number;
}

export interface HostileServer {
  readonly behaviour: HostileBehaviour;
  readonly port: number;
  /** `beanstalk://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Sockets open right now. */
  readonly live: number;
  /** Bytes written to clients so far (all connections). */
  readonly bytesSent: number;
  /** Command lines received so far (all connections, without CRLF, latin1). */
  readonly commands: readonly string[];
  /** Destroys every socket, stops every timer, stops listening. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const LF = 0x0a;
const PUT = /^put +\d+ +\d+ +\d+ +(\d+)$/;

/** Splits a byte stream into command lines, skipping the body (+CRLF) after a `put` line. */
function commandReader(onCommand: (line: string) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  let skip = 0;
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buffered.length);
        skip -= n;
        buffered = buffered.subarray(n);
        if (skip > 0) return;
      }
      const lf = buffered.indexOf(LF);
      if (lf < 0) return;
      const line = buffered.subarray(0, lf).toString('latin1').replace(/\r$/, '');
      buffered = buffered.subarray(lf + 1);
      const put = PUT.exec(line);
      if (put) skip = Number(put[1]) + 2;
      onCommand(line);
    }
  };
}

export async function startHostileServer(
  behaviour: HostileBehaviour,
  options: HostileServerOptions = {},
): Promise<HostileServer> {
  const random = createRandom(options.seed);
  const dripMs = options.dripMs ?? 5;
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const trailingBytes = options.trailingBytes ?? 1024;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const commands: string[] = [];
  let connections = 0;
  let bytesSent = 0;
  let closing = false;

  const send = (socket: Socket, bytes: Buffer | string): boolean => {
    if (socket.destroyed || socket.writableEnded) return false;
    bytesSent += typeof bytes === 'string' ? Buffer.byteLength(bytes, 'latin1') : bytes.length;
    return socket.write(bytes);
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  function garbageLine(): Buffer {
    const length = random.int(1, 64);
    const bytes = Buffer.alloc(length + 2);
    for (let i = 0; i < length; i++) {
      let byte: number;
      do byte = random.int(0, 255);
      while (
        byte === 0x0d ||
        byte === 0x0a ||
        (i === 0 && ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)))
      );
      bytes[i] = byte;
    }
    bytes[length] = 0x0d;
    bytes[length + 1] = 0x0a;
    return bytes;
  }

  function streamLine(socket: Socket): void {
    let sent = 0;
    const head = Buffer.from('INSERTED ', 'latin1');
    const ones = Buffer.alloc(chunkBytes, '1');
    const step = () => {
      if (closing || socket.destroyed || sent >= maxBytes) return;
      let piece: Buffer = sent === 0 ? Buffer.concat([head, ones]) : ones;
      if (piece.length > maxBytes - sent) piece = piece.subarray(0, maxBytes - sent);
      sent += piece.length;
      // Wait for the reader when the socket is backed up; otherwise still yield a turn so a
      // reader in this process (and its timers) keeps running.
      if (send(socket, piece)) setImmediate(step);
      else socket.once('drain', step);
    };
    step();
  }

  function dripper(socket: Socket): (text: string) => void {
    const pending: number[] = [];
    let dripping = false;
    const drip = () => {
      if (closing || socket.destroyed) return;
      const byte = pending.shift();
      if (byte === undefined) {
        dripping = false;
        return;
      }
      send(socket, Buffer.of(byte));
      later(dripMs, drip);
    };
    return (text) => {
      for (const byte of Buffer.from(text, 'latin1')) pending.push(byte);
      if (!dripping) {
        dripping = true;
        drip();
      }
    };
  }

  const server = createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    connections += 1;
    const connection = connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let answered = 0;
    let inserted = 0;
    const drip = behaviour === 'slow-drip' ? dripper(socket) : undefined;
    socket.on(
      'data',
      commandReader((line) => {
        commands.push(line);
        answered += 1;
        switch (behaviour) {
          case 'garbage':
            send(socket, garbageLine());
            break;
          case 'huge-body-length':
            send(socket, `OK 1000000000000\r\n${'x'.repeat(trailingBytes)}`);
            break;
          case 'line-without-end':
            if (answered === 1) streamLine(socket);
            break;
          case 'close-mid-body':
            if (!socket.writableEnded) {
              const reply = `RESERVED 1 100\r\n${'b'.repeat(40)}`;
              bytesSent += reply.length;
              socket.end(reply);
            }
            break;
          case 'silent':
            break;
          case 'slow-drip':
            inserted += 1;
            drip!(`INSERTED ${inserted}\r\n`);
            break;
          case 'wrong-word':
            send(socket, line.startsWith('put ') ? 'DELETED\r\n' : 'INSERTED 77\r\n');
            break;
          case 'garbage-after-reply': {
            inserted += 1;
            const reply = Buffer.from(`INSERTED ${inserted}\r\n`);
            send(socket, connection === 1 && answered === 1 ? Buffer.concat([reply, garbageLine()]) : reply);
            break;
          }
        }
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    behaviour,
    port,
    url: `beanstalk://${HOST}:${port}`,
    get connections() {
      return connections;
    },
    get live() {
      return sockets.size;
    },
    get bytesSent() {
      return bytesSent;
    },
    commands,
    async close() {
      if (closing) return;
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
