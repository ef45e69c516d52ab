import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createRandom } from './random.js';

/**
 * A fault-injecting TCP proxy on 127.0.0.1 for fault-tolerance specs: put it between the
 * client and a real beanstalkd, then split, delay, cut or stall the bytes in between.
 *
 * Every accepted client connection gets its own upstream connection (a "pair"). Bytes are
 * forwarded per direction through a FIFO queue, so order is kept whatever the faults.
 * Half-closes (FIN) are forwarded in order too; an abrupt close of one side destroys the
 * other side once the bytes queued before it have been forwarded.
 */

const HOST = '127.0.0.1';

/** `up` is client → server, `down` is server → client. */
export type CutDirection = 'up' | 'down' | 'both';

export interface FaultProxyOptions {
  /** Where to forward (beanstalkd). Changeable later with `setTarget()`. */
  readonly target: { readonly host: string; readonly port: number };
  /** Port to listen on; a free one by default. */
  readonly port?: number;
  /**
   * Forward every chunk as 1-byte writes (both directions), yielding to the event loop
   * between bytes so a receiver in this process really reads them one by one. Slow for big
   * bodies (roughly 1 s per 50–100 KB).
   */
  readonly splitWrites?: boolean;
  /** Delay each forwarded chunk by this long after it arrived (latency; order is kept). */
  readonly delayMs?: number;
  /** Cut all live connections at random intervals in [min, max] ms. */
  readonly cutEveryMs?: readonly [number, number];
  /**
   * When a timed cut fires, do not destroy at once: arm every pair so the chunk being
   * forwarded now (or the next one, if the pair is idle) is forwarded only up to a random
   * byte, then both sides are destroyed. Cuts land mid-reply / mid-body. An idle pair stays
   * up until it next carries bytes.
   */
  readonly cutAtRandomByte?: boolean;
  /** Which direction an armed cut may land in. Default `both` (whichever moves first). */
  readonly cutDirection?: CutDirection;
  /** Seed for every random choice (cut intervals, cut positions). Random by default; see `proxy.seed`. */
  readonly seed?: number;
  /** Bytes held per direction before the proxy stops reading that source. Default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /**
   * Rewrites each chunk the server sends before it is forwarded (e.g. turns one kind of
   * reply into a failure word). Sees chunks as they arrive: a reply split across chunks
   * is not matched whole.
   */
  readonly rewriteDown?: (chunk: Buffer) => Buffer;
}

export interface CutOptions {
  /** Cut after a random prefix of the current/next chunk instead of at once. */
  readonly atRandomByte?: boolean;
  /** With `atRandomByte`: which direction the cut may land in. Default `both`. */
  readonly direction?: CutDirection;
}

export interface FaultProxyStats {
  /** Client connections accepted so far. */
  readonly connections: number;
  /** Connection pairs destroyed by a cut (cutAll or the cut timer). */
  readonly cuts: number;
  /** Bytes forwarded client → server. */
  readonly bytesUp: number;
  /** Bytes forwarded server → client. */
  readonly bytesDown: number;
  /** Connection pairs alive right now. */
  readonly live: number;
}

export interface FaultProxy {
  readonly port: number;
  /** `beanstalk://127.0.0.1:<port>` */
  readonly url: string;
  /** The seed in use (log it to replay a failure). */
  readonly seed: number;
  /**
   * Destroys every live connection pair now (both sockets, `destroy()`, no FIN ordering).
   * With `{ atRandomByte: true }` the pairs are armed instead (see `cutAtRandomByte`).
   */
  cutAll(options?: CutOptions): void;
  /**
   * Simulates a dead network: nothing is forwarded (bytes, FINs and resets are held in
   * order), sockets stay open, and connections accepted meanwhile get no upstream yet.
   */
  pause(): void;
  /** Delivers everything held by `pause()` and connects the pending upstreams. */
  resume(): void;
  /** New connections go to this target (existing pairs keep theirs). */
  setTarget(target: { readonly host: string; readonly port: number }): void;
  readonly stats: FaultProxyStats;
  /** Stops the cut timer, destroys every pair, stops listening. */
  close(): Promise<void>;
}

type Item =
  | { kind: 'data'; bytes: Buffer; offset: number; cutAt: number | undefined; readyAt: number }
  | { kind: 'end' | 'reset'; readyAt: number };

interface Direction {
  readonly name: 'up' | 'down';
  readonly queue: Item[];
  queuedBytes: number;
  running: boolean;
  sourcePaused: boolean;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  readonly up: Direction;
  readonly down: Direction;
  dead: boolean;
  armed: CutDirection | undefined;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = createRandom(options.seed);
  const delayMs = Math.max(0, options.delayMs ?? 0);
  const splitWrites = options.splitWrites ?? false;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const cutEvery = options.cutEveryMs;
  if (cutEvery && (cutEvery[0] < 1 || cutEvery[1] < cutEvery[0]))
    throw new Error(`bad cutEveryMs ${JSON.stringify(cutEvery)}`);

  let target = { host: options.target.host, port: options.target.port };
  let paused = false;
  let closing = false;
  let cutTimer: NodeJS.Timeout | undefined;
  const pairs = new Set<Pair>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const counters = { connections: 0, cuts: 0, bytesUp: 0, bytesDown: 0 };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const sleeper = {
        resolve,
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
      };
      sleepers.add(sleeper);
    });
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  const sourceOf = (pair: Pair, dir: Direction) => (dir.name === 'up' ? pair.client : pair.upstream);
  const destOf = (pair: Pair, dir: Direction) => (dir.name === 'up' ? pair.upstream : pair.client);

  function destroyPair(pair: Pair, asCut: boolean): void {
    if (pair.dead) return;
    pair.dead = true;
    pairs.delete(pair);
    if (asCut) counters.cuts += 1;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  function enqueue(pair: Pair, dir: Direction, item: Item): void {
    if (pair.dead) return;
    dir.queue.push(item);
    if (item.kind === 'data') {
      dir.queuedBytes += item.bytes.length;
      const source = sourceOf(pair, dir);
      if (dir.queuedBytes > maxBuffered && source && !dir.sourcePaused) {
        dir.sourcePaused = true;
        source.pause();
      }
    }
    void pump(pair, dir);
  }

  function consumed(pair: Pair, dir: Direction, count: number): void {
    dir.queuedBytes -= count;
    if (dir.name === 'up') counters.bytesUp += count;
    else counters.bytesDown += count;
    const source = sourceOf(pair, dir);
    if (dir.sourcePaused && dir.queuedBytes <= maxBuffered / 2 && source) {
      dir.sourcePaused = false;
      source.resume();
    }
  }

  const write = (dest: Socket, bytes: Buffer) =>
    new Promise<boolean>((resolve) => {
      if (dest.destroyed || dest.writableEnded) return resolve(false);
      dest.write(bytes, (error) => resolve(!error));
    });

  /** Where an armed cut lands in a chunk of `length` bytes of which `offset` are already sent. */
  function pickCut(offset: number, length: number): number {
    if (length - offset <= 1) return offset;
    return random.int(Math.max(offset, 1), length - 1);
  }

  const armedFor = (pair: Pair, dir: Direction) =>
    pair.armed !== undefined && (pair.armed === 'both' || pair.armed === dir.name);

  /** Forwards one direction's queue in order; re-entered by enqueue/resume, one loop at a time. */
  async function pump(pair: Pair, dir: Direction): Promise<void> {
    if (dir.running) return;
    dir.running = true;
    try {
      while (!pair.dead && !paused && dir.queue.length > 0) {
        const dest = destOf(pair, dir);
        if (!dest) return; // upstream not connected yet (accepted while paused)
        const item = dir.queue[0];
        const wait = item.readyAt - Date.now();
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        if (item.kind !== 'data') {
          if (item.kind === 'reset') {
            destroyPair(pair, false);
            return;
          }
          dir.queue.shift();
          if (!dest.destroyed && !dest.writableEnded) dest.end();
          continue;
        }
        while (item.offset < item.bytes.length) {
          if (pair.dead || paused) return;
          if (armedFor(pair, dir)) {
            item.cutAt ??= pickCut(item.offset, item.bytes.length);
            if (item.offset >= item.cutAt) {
              destroyPair(pair, true);
              return;
            }
          }
          const end = splitWrites ? item.offset + 1 : (item.cutAt ?? item.bytes.length);
          const ok = await write(dest, item.bytes.subarray(item.offset, end));
          if (!ok) {
            destroyPair(pair, false);
            return;
          }
          consumed(pair, dir, end - item.offset);
          item.offset = end;
          if (splitWrites) await nextTurn();
        }
        if (item.cutAt !== undefined) {
          // The cut fell exactly on the end of the chunk (a 1-byte chunk): cut now.
          destroyPair(pair, true);
          return;
        }
        dir.queue.shift();
      }
    } finally {
      dir.running = false;
    }
  }

  /** Feeds a socket's bytes, FIN and abrupt close into one direction's queue. */
  function attachSource(pair: Pair, dir: Direction, source: Socket): void {
    let sawEnd = false;
    source.setNoDelay(true);
    const rewrite = dir.name === 'down' ? options.rewriteDown : undefined;
    source.on('data', (chunk: Buffer) => {
      const bytes = rewrite ? rewrite(chunk) : chunk;
      enqueue(pair, dir, { kind: 'data', bytes, offset: 0, cutAt: undefined, readyAt: Date.now() + delayMs });
    });
    source.on('end', () => {
      sawEnd = true;
      enqueue(pair, dir, { kind: 'end', readyAt: Date.now() + delayMs });
    });
    source.on('error', () => undefined); // 'close' follows
    source.on('close', (hadError) => {
      if (pair.dead) return;
      if (hadError || !sawEnd) enqueue(pair, dir, { kind: 'reset', readyAt: Date.now() + delayMs });
      else if (pair.client.destroyed && (pair.upstream?.destroyed ?? true)) {
        pair.dead = true;
        pairs.delete(pair);
      }
    });
  }

  function connectUpstream(pair: Pair): void {
    if (pair.dead || pair.upstream) return;
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    pair.upstream = upstream;
    attachSource(pair, pair.down, upstream);
    void pump(pair, pair.up);
  }

  const server = createServer({ allowHalfOpen: true }, (client) => {
    if (closing) {
      client.destroy();
      return;
    }
    counters.connections += 1;
    const direction = (name: 'up' | 'down'): Direction => ({
      name,
      queue: [],
      queuedBytes: 0,
      running: false,
      sourcePaused: false,
    });
    const pair: Pair = {
      client,
      upstream: undefined,
      up: direction('up'),
      down: direction('down'),
      dead: false,
      armed: undefined,
    };
    pairs.add(pair);
    attachSource(pair, pair.up, client);
    if (!paused) connectUpstream(pair);
  });

  function cutAll(cut: CutOptions = {}): void {
    for (const pair of [...pairs]) {
      if (cut.atRandomByte) {
        pair.armed = cut.direction ?? 'both';
        void pump(pair, pair.up);
        void pump(pair, pair.down);
      } else {
        destroyPair(pair, true);
      }
    }
  }

  function scheduleCut(): void {
    if (!cutEvery || closing) return;
    cutTimer = setTimeout(
      () => {
        cutAll({ atRandomByte: options.cutAtRandomByte ?? false, direction: options.cutDirection ?? 'both' });
        scheduleCut();
      },
      random.int(cutEvery[0], cutEvery[1]),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  scheduleCut();

  return {
    port,
    url: `beanstalk://${HOST}:${port}`,
    seed: random.seed,
    cutAll,
    pause() {
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      for (const pair of [...pairs]) {
        connectUpstream(pair);
        void pump(pair, pair.up);
        void pump(pair, pair.down);
      }
    },
    setTarget(next) {
      target = { host: next.host, port: next.port };
    },
    get stats(): FaultProxyStats {
      return { ...counters, live: pairs.size };
    },
    async close() {
      if (closing) return;
      closing = true;
      if (cutTimer) clearTimeout(cutTimer);
      for (const pair of [...pairs]) destroyPair(pair, false);
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
