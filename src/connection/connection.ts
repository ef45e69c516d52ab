import { BehaviorSubject, Observable, distinctUntilChanged, filter, firstValueFrom } from 'rxjs';
import type { Unsubscribable } from 'rxjs';
import type { Socket } from 'node:net';
import { NOTHING } from '../protocol/commands.js';
import type { Command } from '../protocol/commands.js';
import { encodeSegments } from '../protocol/encode.js';
import { BadReplyError, BeanstalkError, CommandTimeoutError, ConnectionError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { describeAddress, openSocket, readsIntoGivenBuffers } from './address.js';
import type { Address } from './address.js';
import { backoffDelay } from './backoff.js';
import type { ReconnectOptions } from './backoff.js';
import { Pending } from './pending.js';
import type { CommandSink } from './pending.js';
import type { ConnectionObserver } from './observer.js';
import { Queue } from './queue.js';
import { ReplyReader } from './reply-reader.js';
import { TubeState } from './tube-state.js';

/** A connection's life: not yet used, connecting, connected, waiting to reconnect, closed for good. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionOptions {
  /** Shown in every error and log line. */
  readonly name: string;
  readonly address: Address;
  /** Reconnect policy; `false` to give up when the socket is lost. Default: forever, 50 ms .. 5 s. */
  readonly reconnect?: ReconnectOptions | false;
  /** Fail a command (and reset the connection) when its reply takes longer; blocking reserves excepted. */
  readonly commandTimeoutMs?: number;
  /** Give up connecting after this long. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** TCP keepalive initial delay. Default 15 s; 0 disables. */
  readonly keepAliveMs?: number;
  /** Commands that may wait while disconnected. Default 10,000. */
  readonly maxOfflineQueue?: number;
  /** Longest reply body accepted. Default: the protocol's maximum. */
  readonly maxReplyBodyBytes?: number;
  /** How often a safe command is resent after connection losses before it fails. Default 3. */
  readonly maxResends?: number;
  /** Telemetry hooks (rx-beanstalk/otel); none by default. */
  readonly observer?: ConnectionObserver;
}

/** Bytes Node may hold unsent for a socket before further commands wait in the outbox. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Its reactions run as microtasks: the cheapest way to defer a flush to the end of a burst. */
const RESOLVED = Promise.resolve();
/** A connection that stayed up this long was good: the next loss starts the backoff afresh. */
const PROVEN_AFTER_MS = 1000;

/**
 * One beanstalkd connection: commands are queued, written in one socket write per
 * tick, and matched in order with the replies parsed from the socket. The used tube
 * and watch set are tracked here and adjusted just before a command that needs them
 * (go-beanstalk's adjustTubes), so they are also right again after a reconnect.
 */
export class Connection {
  readonly name: string;
  private readonly stateSubject = new BehaviorSubject<ConnectionState>('idle');
  /** connecting, connected, reconnecting, closed: for logs and alerts. */
  readonly state$: Observable<ConnectionState> = this.stateSubject.pipe(distinctUntilChanged());

  private readonly outbox = new Queue<Pending>();
  private readonly inflight = new Queue<Pending>();
  private socket: Socket | undefined;
  private writable = false;
  private flushScheduled = false;
  /** True while a read's replies are delivered: commands their callbacks issue wait for its end. */
  private readingReplies = false;
  private attempts = 0;
  private connectedAt = 0;
  private proven = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private headSince = 0;
  private readonly tubes = new TubeState();
  private closing: { promise: Promise<void>; resolve: () => void } | undefined;
  /** A command given up by `abandon`: the connection goes once everything before it is answered. */
  private abandoned: Pending | undefined;

  constructor(private readonly options: ConnectionOptions) {
    this.name = options.name;
  }

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  /** Commands written and awaiting replies plus those queued; 0 means idle. */
  get pendingCount(): number {
    return this.inflight.length + this.outbox.length;
  }

  /** Sends the command when subscribed; emits its decoded result (or completes empty) and completes. */
  send<T>(command: Command<T>): Observable<T> {
    return new Observable<T>((subscriber) => this.submit(command, subscriber));
  }

  /**
   * @internal Queues a command whose outcome goes straight to `sink`, without an
   * Observable of its own: lanes and jobs use it on their hot paths. Returns the
   * teardown, or undefined when the command failed at once.
   */
  submit<T>(command: Command<T>, sink: CommandSink<T>): Unsubscribable | undefined {
    return this.enqueue(command, sink);
  }

  /** Stops taking commands, lets queued and in-flight ones finish, then closes the socket. */
  close(): Promise<void> {
    if (this.closing) return this.closing.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.closing = { promise, resolve };
    // Commands given up before they were written will never be: they must not hold the close.
    for (const pending of this.outbox.drain()) if (!pending.cancelled) this.outbox.push(pending);
    // Commands accepted while the first connect is under way still go out; a connection
    // that is down (reconnecting) or never used closes at once.
    const connectingWithWork = this.state === 'connecting' && this.pendingCount > 0;
    if (this.state === 'connected' || connectingWithWork) this.endIfDrained();
    else this.finish(new ConnectionError('connection closed', this.context()));
    return promise;
  }

  /**
   * @internal Gives up `handle` (a command from `submit`, e.g. a lane's reserve) and closes
   * the connection as soon as every command queued before it has its reply. A stopping lane
   * thereby lets its last delete finish, while a reserve that may block for ever does not
   * hold the close; a job the server hands that reserve meanwhile goes back to ready.
   */
  abandon(handle: Unsubscribable): Promise<void> {
    const pending = handle as Pending;
    pending.cancelled = true;
    // Never written: a graceful close drops it and waits for the rest.
    if (!pending.written) return this.close();
    this.abandoned = pending;
    this.destroyIfAbandonedIsNext();
    return firstValueFrom(this.stateSubject.pipe(filter((state) => state === 'closed'))).then(() => undefined);
  }

  private destroyIfAbandonedIsNext(): void {
    const abandoned = this.abandoned;
    if (abandoned && (this.inflight.peek() === abandoned || !this.inflight.includes(abandoned))) void this.destroy();
  }

  /** Closes at once: in-flight commands fail, the server returns this connection's reserved jobs to ready. */
  destroy(): Promise<void> {
    const closed = this.close();
    this.finish(new ConnectionError('connection destroyed', this.context()));
    return closed;
  }

  // ---- queueing and writing ----

  private enqueue(command: Command<unknown>, subscriber: CommandSink<unknown>): Pending | undefined {
    if (this.closing || this.state === 'closed') {
      subscriber.error(new ConnectionError('connection is closed', this.context(command)));
      return undefined;
    }
    const limit = this.options.maxOfflineQueue ?? 10000;
    if (this.state !== 'connected' && this.outbox.length >= limit) {
      subscriber.error(new ConnectionError(`offline queue is full (${limit} commands)`, this.context(command)));
      return undefined;
    }
    // Telemetry hook: the observer may wrap the sink to see the outcome.
    if (this.options.observer) subscriber = this.options.observer.command(command, subscriber, this.name);
    const pending = new Pending(command, subscriber);
    this.outbox.push(pending);
    if (this.state === 'idle') this.connect();
    else this.scheduleFlush();
    return pending;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.state !== 'connected' || !this.writable) return;
    this.flushScheduled = true;
    // Inside a read the flush follows it (see connect); otherwise a microtask runs it once
    // the caller's synchronous burst is queued. A resolved promise's reaction costs less
    // than queueMicrotask, which builds an AsyncResource and a bound function per call.
    if (!this.readingReplies) void RESOLVED.then(this.flush);
  }

  /** Writes everything queued in one socket write, with the use/watch/ignore lines it needs. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const socket = this.socket;
    if (!socket || this.state !== 'connected' || !this.writable || this.outbox.length === 0) return;
    if (this.inflight.length === 0 && this.options.commandTimeoutMs) this.headSince = Date.now();
    const toWrite: Command<unknown>[] = [];
    for (let pending = this.outbox.shift(); pending; pending = this.outbox.shift()) {
      if (pending.cancelled) continue;
      if (this.tubes.needsChange(pending.command)) {
        for (const change of this.tubes.changesFor(pending.command))
          this.markWritten(new Pending(change, undefined), toWrite);
      }
      this.markWritten(pending, toWrite);
    }
    if (toWrite.length === 0) return;
    this.write(socket, encodeSegments(toWrite));
    this.armWatchdog();
  };

  /** Adds `pending` to the write being built; it then waits for its reply, if it has one. */
  private markWritten(pending: Pending, toWrite: Command<unknown>[]): void {
    toWrite.push(pending.command);
    pending.written = true;
    if (pending.command.options.noReply) pending.subscriber?.complete();
    else this.inflight.push(pending);
  }

  /**
   * One buffer is one write; several (large bodies by reference) leave in one writev.
   * Node's 16 KB high-water mark is too low a bar for backpressure here: one 60 KB body
   * passes it, and pausing then stalls a producer between every batch (measured: 60 KB
   * put+reserve+delete at 0.68 of raw with it, 0.79 without). The commands are in memory
   * either way; only past MAX_BUFFERED_BYTES do later ones wait in the outbox for 'drain'.
   */
  private write(socket: Socket, segments: Buffer[]): void {
    if (segments.length === 1) socket.write(segments[0]);
    else {
      socket.cork();
      for (const segment of segments) socket.write(segment);
      socket.uncork();
    }
    if (socket.writableLength > MAX_BUFFERED_BYTES) {
      this.writable = false;
      socket.once('drain', () => {
        this.writable = true;
        this.scheduleFlush();
      });
    }
  }

  // ---- replies ----

  private onReply(reply: Reply): void {
    if (!this.proven) {
      this.proven = true;
      this.attempts = 0;
    }
    const pending = this.inflight.shift();
    if (this.options.commandTimeoutMs) this.headSince = Date.now();
    if (!pending) {
      this.fail(
        new BadReplyError('reply with no command waiting for it', { connection: this.name, reply: reply.line }),
      );
      return;
    }
    if (!pending.subscriber) this.onTubeReply(pending, reply);
    else if (!pending.cancelled) this.deliver(pending, reply);
    if (this.abandoned) this.destroyIfAbandonedIsNext();
    if (this.closing) this.endIfDrained();
  }

  private deliver(pending: Pending, reply: Reply): void {
    const subscriber = pending.subscriber as CommandSink<unknown>;
    let value: unknown;
    try {
      value = pending.command.decode(reply, this.name);
    } catch (error) {
      subscriber.error(error);
      // An unexpected reply word means requests and replies no longer line up.
      if (error instanceof BadReplyError) this.fail(error);
      return;
    }
    if (value !== NOTHING) subscriber.next(value);
    subscriber.complete();
  }

  /** A use/watch/ignore the library sent: on failure the tracked state is unknown, so start afresh. */
  private onTubeReply(pending: Pending, reply: Reply): void {
    try {
      pending.command.decode(reply, this.name);
    } catch (error) {
      this.fail(error instanceof BeanstalkError ? error : new BadReplyError(String(error), this.context()));
    }
  }

  // ---- socket lifecycle ----

  private connect(): void {
    this.setState(this.attempts === 0 && this.state === 'idle' ? 'connecting' : 'reconnecting');
    // The parser behind parseReplies(), fed straight from the socket: no Observable hop per read.
    // A socket this connection has let go of (reset, closing) is no longer listened to.
    const emit = (reply: Reply): void => {
      if (socket === this.socket) this.onReply(reply);
    };
    const afterRead = (error: BadReplyError | undefined): void => {
      if (error && socket === this.socket) this.fail(error);
    };
    const address = this.options.address;
    const reader = new ReplyReader(
      { maxBodyBytes: this.options.maxReplyBodyBytes, reusesChunks: readsIntoGivenBuffers(address) },
      emit,
      afterRead,
    );
    const { socket, ready } = openSocket(address, {
      buffer: () => reader.buffer(),
      read: (buffer, bytes) => {
        if (socket !== this.socket) return;
        this.readingReplies = true;
        try {
          reader.read(buffer, bytes);
        } finally {
          this.readingReplies = false;
          // Commands issued by the callers of these replies leave now, in one write, instead
          // of after Node's own post-read work: that is most of a round trip's client-side
          // latency. (After a failed read the flush finds the socket gone and only resets.)
          if (this.flushScheduled) this.flush();
        }
      },
    });
    this.socket = socket;
    let failure: Error | undefined;
    socket.on('error', (error: Error) => (failure ??= error)); // reported at 'close'; never crashes the process
    const keepAlive = this.options.keepAliveMs ?? 15000;
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive);
    const connectTimer = setTimeout(
      () => socket.destroy(new ConnectionError('connect timed out', this.context())),
      this.options.connectTimeoutMs ?? 10000,
    );
    socket.once(ready, () => {
      clearTimeout(connectTimer);
      this.onConnected(socket);
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      this.onSocketLost(socket, failure);
    });
  }

  private onConnected(socket: Socket): void {
    if (socket !== this.socket) return;
    // The backoff starts over only once this connection proves good (a reply, or a
    // second alive): a server that accepts and then drops every reply still backs off.
    this.connectedAt = Date.now();
    this.proven = false;
    this.tubes.reset();
    this.writable = true;
    this.setState('connected');
    if (this.closing) this.endIfDrained();
    this.scheduleFlush();
  }

  /** Resets the connection after a protocol error: the socket goes, reconnect follows. */
  private fail(error: BeanstalkError): void {
    const socket = this.socket;
    if (!socket) return;
    this.onSocketLost(socket, error);
    socket.destroy();
  }

  private onSocketLost(socket: Socket, error: Error | undefined): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.writable = false;
    socket.destroy();
    this.disarmWatchdog();

    if (this.state === 'connected' && Date.now() - this.connectedAt >= PROVEN_AFTER_MS) this.attempts = 0;
    const reconnecting = this.willReconnect();
    const lost = this.inflight.drain();
    const resend: Pending[] = [];
    for (const pending of lost) {
      if (!pending.subscriber || pending.cancelled) continue;
      if (error instanceof BadReplyError && pending === lost.find((p) => p.subscriber)) {
        // The command whose reply was unreadable: the parser knew the reply, this knows the rest.
        pending.subscriber.error(
          new BadReplyError(error.reason, { ...this.context(pending.command), reply: error.reply }),
        );
      } else if (reconnecting && this.mayResend(pending)) {
        pending.resends++;
        pending.written = false;
        resend.push(pending);
      } else {
        pending.subscriber.error(
          new ConnectionError(
            `connection lost before the reply${error ? `: ${error.message}` : ''}`,
            this.context(pending.command),
            true,
          ),
        );
      }
    }
    for (let i = resend.length - 1; i >= 0; i--) this.outbox.unshift(resend[i]);

    if (!reconnecting) {
      this.finish(new ConnectionError(`connection lost${error ? `: ${error.message}` : ''}`, this.context()));
      return;
    }
    this.setState('reconnecting');
    const delay = backoffDelay(this.attempts++, this.options.reconnect || {});
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  /**
   * Safe commands are resent a few times; a blocking reserve (no deadline of its own) is
   * resent for as long as the connection keeps reconnecting, so a reserve stream rides out
   * an outage. A reserve with a timeout still ends in bounded time.
   */
  private mayResend(pending: Pending): boolean {
    const options = pending.command.options;
    if (!options.idempotent) return false;
    return options.waits === Infinity || pending.resends < (this.options.maxResends ?? 3);
  }

  private willReconnect(): boolean {
    const policy = this.options.reconnect;
    if (this.closing || policy === false) return false;
    return this.attempts < (policy?.maxAttempts ?? Infinity);
  }

  /** Final state: every queued command fails with `error`, the socket is gone. */
  private finish(error: ConnectionError): void {
    clearTimeout(this.reconnectTimer);
    this.disarmWatchdog();
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    for (const pending of [...this.inflight.drain(), ...this.outbox.drain()]) {
      if (pending.subscriber && !pending.cancelled) {
        pending.subscriber.error(new ConnectionError(error.message, this.context(pending.command), pending.written));
      }
    }
    this.setState('closed');
    this.closing?.resolve();
  }

  private endIfDrained(): void {
    if (this.pendingCount > 0 || !this.socket) return;
    const socket = this.socket;
    socket.once('close', () => this.finish(new ConnectionError('connection closed', this.context())));
    this.socket = undefined;
    socket.end();
  }

  // ---- command timeout: one timer watches the oldest unanswered command ----

  private armWatchdog(): void {
    const timeout = this.options.commandTimeoutMs;
    if (!timeout || this.watchdog) return;
    this.watchdog = setInterval(() => this.checkHead(timeout), Math.max(10, timeout / 4));
    this.watchdog.unref?.();
  }

  private disarmWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private checkHead(timeout: number): void {
    const head = this.inflight.peek();
    if (!head) return this.disarmWatchdog();
    const waits = head.command.options.waits ?? 0;
    if (waits === Infinity) return;
    if (Date.now() - this.headSince <= waits * 1000 + timeout) return;
    this.inflight.shift();
    head.subscriber?.error(new CommandTimeoutError(`no reply within ${timeout} ms`, this.context(head.command), true));
    const socket = this.socket;
    if (socket) {
      this.onSocketLost(socket, new CommandTimeoutError('command timed out', this.context(head.command), true));
    }
  }

  private setState(state: ConnectionState): void {
    if (this.stateSubject.value === state) return;
    this.options.observer?.state?.(state, this.name); // telemetry hook
    this.stateSubject.next(state);
  }

  private context(command?: Command<unknown>) {
    return { connection: this.name, command: command?.line };
  }

  toString(): string {
    return `${this.name} (${describeAddress(this.options.address)})`;
  }
}
