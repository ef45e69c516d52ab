import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A plain loopback socket that records everything it receives, for specs that check bytes
 * on the wire without going through the client under test.
 */
export interface RawSocket {
  readonly socket: Socket;
  /** All bytes received so far. */
  readonly received: Buffer;
  /** How many bytes were received (cheap, unlike `received`). */
  readonly bytes: number;
  /** `received` as latin1 text (byte-exact). */
  readonly text: string;
  /** How many 'data' events delivered `received`. */
  readonly chunks: number;
  /** The peer sent FIN. */
  readonly ended: boolean;
  /** The socket closed (either way). */
  readonly closed: boolean;
  send(bytes: string | Buffer): void;
  /**
   * Resolves when `predicate(text)` holds (checked on every event, so O(n) each time: for
   * megabytes, poll `bytes` instead); rejects, with what arrived, after `timeoutMs` or as
   * soon as the socket closes without it holding.
   */
  waitFor(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once the socket has closed; rejects after `timeoutMs`. */
  waitClosed(timeoutMs?: number): Promise<void>;
  /** Clears what was received so far. */
  reset(): void;
  destroy(): void;
}

export function openRaw(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let parts: Buffer[] = [];
    let bytes = 0;
    let chunks = 0;
    let ended = false;
    let closed = false;
    const watchers = new Set<() => void>();
    const notify = () => {
      for (const watcher of [...watchers]) watcher();
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      chunks += 1;
      bytes += chunk.length;
      parts.push(chunk);
      if (watchers.size > 0) notify();
    });
    socket.on('end', () => {
      ended = true;
      notify();
    });
    socket.on('close', () => {
      closed = true;
      notify();
    });
    socket.on('error', () => undefined);
    const poll = (check: () => boolean, timeoutMs: number, describe: () => string, failOnClose = false) =>
      new Promise<void>((done, fail) => {
        const watcher = () => {
          const ok = check();
          if (!ok && !(failOnClose && closed)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          if (ok) done();
          else fail(new Error(`socket closed first; ${describe()}`));
        };
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          fail(new Error(describe()));
        }, timeoutMs);
        watchers.add(watcher);
        watcher();
      });
    const raw: RawSocket = {
      socket,
      get received() {
        if (parts.length !== 1) parts = [Buffer.concat(parts, bytes)];
        return parts[0];
      },
      get bytes() {
        return bytes;
      },
      get text() {
        return raw.received.toString('latin1');
      },
      get chunks() {
        return chunks;
      },
      get ended() {
        return ended;
      },
      get closed() {
        return closed;
      },
      send(bytes) {
        socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      },
      async waitFor(predicate, timeoutMs = 3000) {
        await poll(
          () => predicate(raw.text),
          timeoutMs,
          () =>
            `waited ${timeoutMs} ms at most; received ${JSON.stringify(raw.text.slice(0, 300))} (closed: ${closed})`,
          true,
        );
        return raw.text;
      },
      waitClosed(timeoutMs = 3000) {
        return poll(
          () => closed,
          timeoutMs,
          () => `socket still open after ${timeoutMs} ms; received ${JSON.stringify(raw.text.slice(0, 300))}`,
        );
      },
      reset() {
        parts = [];
        bytes = 0;
        chunks = 0;
      },
      destroy() {
        socket.destroy();
      },
    };
    socket.once('connect', () => resolve(raw));
    socket.once('error', reject);
  });
}

/** Waits until `check()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when `text` holds a complete `OK <n>\r\n<n bytes>\r\n` reply (byte lengths, latin1 text). */
export function okComplete(text: string): boolean {
  const match = /^OK (\d+)\r\n/.exec(text);
  return match !== null && text.length >= match[0].length + Number(match[1]) + 2;
}

/** One counter from the server's own `stats`, read on a direct connection of its own. */
export async function serverStat(port: number, key: string): Promise<string> {
  const raw = await openRaw(port);
  try {
    raw.send('stats\r\n');
    const text = await raw.waitFor(okComplete);
    const line = text.split('\n').find((l) => l.startsWith(`${key}: `));
    if (line === undefined) throw new Error(`stats has no ${key}`);
    return line.slice(key.length + 2).trim();
  } finally {
    raw.destroy();
  }
}

/** `serverStat` as a number. */
export async function serverCounter(port: number, key: string): Promise<number> {
  return Number(await serverStat(port, key));
}
