import { BehaviorSubject, Observable, distinctUntilChanged, filter, firstValueFrom } from 'rxjs';
import type { Unsubscribable } from 'rxjs';
import type { Socket } from 'node:net';
import type { Command } from '../protocol/commands.js';
import { BadReplyError, CommandTimeoutError, ConnectionError, QueueFullError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { describeAddress } from './address.js';
import { Admission } from './admission.js';
import { backoffDelay } from './backoff.js';
import { deliver, reasonOf } from './deliver.js';
import { sortLost } from './lost.js';
import { OfflineQueue } from './offline.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, resolveOptions } from './options.js';
import type { ConnectionOptions, ResolvedOptions } from './options.js';
import { Pending } from './pending.js';
import type { CommandSink } from './pending.js';
import { Queue } from './queue.js';
import { openReplySocket } from './reply-socket.js';
import { TubeState } from './tube-state.js';
import { Watchdog } from './watchdog.js';
import { Writer } from './writer.js';

export type { ConnectionOptions } from './options.js';

/** idle (not used yet: connects on the first command), connecting, connected, reconnecting, closed. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

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
  /** idle, connecting, connected, reconnecting, closed: for logs and alerts. */
  readonly state$: Observable<ConnectionState> = this.stateSubject.pipe(distinctUntilChanged());

  private readonly options: ResolvedOptions;
  private readonly outbox = new Queue<Pending>();
  private readonly inflight = new Queue<Pending>();
  private readonly admission: Admission;
  private readonly watchdog: Watchdog;
  private readonly offline: OfflineQueue;
  private readonly writer: Writer;
  private socket: Socket | undefined;
  /** Replies received: with the bytes written, the watchdog's measure of progress. */
  private replies = 0;
  private attempts = 0;
  private connectedAt = 0;
  private proven = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private closeDeadline = Infinity;
  private closing: { promise: Promise<void>; resolve: () => void } | undefined;
  /** A command given up by `abandon`: the connection goes once everything before it is answered. */
  private abandoned: Pending | undefined;

  constructor(options: ConnectionOptions) {
    this.options = resolveOptions(options);
    this.name = options.name;
    this.admission = new Admission(this.options);
    this.watchdog = new Watchdog(this.options.commandTimeoutMs, {
      head: () => this.inflight.peek(),
      progress: (head) => this.progress(head),
      timedOut: (head) => this.onTimeout(head),
    });
    this.writer = new Writer(this.outbox, this.inflight, this.admission, new TubeState(), () => this.watchdog.arm());
    this.offline = new OfflineQueue(this.options.maxOfflineWaitMs, this.outbox, this.admission, (pending) =>
      this.settle(
        pending,
        this.error(ConnectionError, `no connection for ${this.options.maxOfflineWaitMs} ms`, pending),
      ),
    );
  }

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  /** Live commands queued or awaiting replies; 0 means idle. */
  get pendingCount(): number {
    return this.admission.count;
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
    if (this.closing || this.state === 'closed') {
      sink.error(new ConnectionError('connection is closed', this.context(command)));
      return undefined;
    }
    const offline = this.state !== 'connected';
    const refusal = this.admission.refusal(command, offline);
    if (refusal !== undefined) {
      sink.error(new QueueFullError(refusal, this.context(command)));
      return undefined;
    }
    const pending = new Pending(command, sink, this.admission);
    this.admission.admit(pending);
    this.outbox.push(pending);
    if (offline) {
      this.offline.start();
      this.offline.compactIfBloated();
    }
    if (this.state === 'idle') this.connect();
    else this.writer.schedule();
    return pending;
  }

  /**
   * Stops taking commands, lets queued and in-flight ones finish, then closes the socket.
   * After `timeoutMs` (default 10 s) it stops waiting: the socket is destroyed and what is
   * left fails with ConnectionError. A later call with a shorter bound shortens the wait.
   */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    if (!this.closing) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.closing = { promise, resolve };
      // Commands accepted while the first connect is under way still go out; a connection
      // that is down (reconnecting) or never used closes at once.
      const connectingWithWork = this.state === 'connecting' && this.pendingCount > 0;
      if (this.state === 'connected' || connectingWithWork) this.endIfDrained();
      else this.finish('connection closed');
    }
    if (this.state !== 'closed') this.limitClose(timeoutMs);
    return this.closing.promise;
  }

  private limitClose(timeoutMs: number): void {
    if (timeoutMs === Infinity) return;
    if (timeoutMs <= 0) return this.finish('connection closed before the reply');
    const deadline = Date.now() + timeoutMs;
    if (deadline >= this.closeDeadline) return;
    clearTimeout(this.closeTimer);
    this.closeDeadline = deadline;
    this.closeTimer = setTimeout(() => this.finish(`close gave up after ${timeoutMs} ms`), timeoutMs);
  }

  /**
   * @internal Gives up `handle` (a command from `submit`, e.g. a lane's reserve) and closes
   * the connection as soon as every command queued before it has its reply. A stopping lane
   * thereby lets its last delete finish, while a reserve that may block for ever does not
   * hold the close; a job the server hands that reserve meanwhile goes back to ready.
   */
  abandon(handle: Unsubscribable): Promise<void> {
    const pending = handle as Pending;
    pending.unsubscribe();
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
    this.finish('connection destroyed');
    return closed;
  }

  // ---- replies ----

  private onReply(reply: Reply): void {
    this.replies++;
    if (!this.proven) {
      this.proven = true;
      this.attempts = 0;
    }
    const pending = this.inflight.shift();
    if (!pending) {
      this.fail(
        new BadReplyError('reply with no command waiting for it', { connection: this.name, reply: reply.line }),
      );
      return;
    }
    this.admission.release(pending);
    // A reply word that is wrong for its command means requests and replies no longer line
    // up: that command gets the BadReplyError, the others in flight go through the reset.
    const broken = deliver(pending, reply, this.name);
    if (broken) this.fail(broken);
    if (this.abandoned) this.destroyIfAbandonedIsNext();
    if (this.closing) this.endIfDrained();
  }

  // ---- socket lifecycle ----

  private connect(): void {
    this.setState(this.attempts === 0 && this.state === 'idle' ? 'connecting' : 'reconnecting');
    const socket = openReplySocket(this.options, {
      // A socket this connection has let go of (reset, closing) is no longer listened to.
      live: () => socket === this.socket,
      reply: (reply) => {
        if (socket === this.socket) this.onReply(reply);
      },
      // An unreadable reply belongs to the oldest command still waiting.
      badReply: (error) => this.fail(error, this.inflight.peek()),
      // (After a failed read the writer is detached: what the replies queued waits for the next socket.)
      reading: (reading) => this.writer.reading(reading),
      connected: () => this.onConnected(socket),
      // FIN: the server is gone (or going). Stop writing at once: what is still queued waits
      // for the next connection instead of vanishing into a dead socket.
      lost: (error) => this.onSocketLost(socket, error),
    });
    this.socket = socket;
  }

  private onConnected(socket: Socket): void {
    if (socket !== this.socket) return;
    // The backoff starts over only once this connection proves good (a reply, or a
    // second alive): a server that accepts and then drops every reply still backs off.
    this.connectedAt = Date.now();
    this.proven = false;
    this.offline.stop();
    this.setState('connected');
    this.writer.attach(socket);
    if (this.closing) this.endIfDrained();
  }

  /** Resets the connection after a protocol error: the socket goes, reconnect follows. */
  private fail(error: Error, culprit?: Pending): void {
    if (this.socket) this.onSocketLost(this.socket, error, culprit);
  }

  /**
   * The watchdog's measure: replies, plus bytes leaving while the head's own are not all out.
   * Later commands a frozen server's kernel keeps accepting must not keep the head alive.
   */
  private progress(head: Pending): number {
    const sent = this.writer.bytesSent;
    return sent < head.sentBy ? this.replies + sent - this.writer.bytesLeaving : this.replies;
  }

  /** The head command got no reply within commandTimeoutMs: it fails, the connection resets. */
  private onTimeout(head: Pending): void {
    const reason = `no reply within ${this.watchdog.timeoutMs} ms`;
    this.inflight.shift();
    if (!head.cancelled) this.settle(head, this.error(CommandTimeoutError, reason, head, true));
    this.fail(new CommandTimeoutError(reason, this.context()));
  }

  private onSocketLost(socket: Socket, error: Error | undefined, culprit?: Pending): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.writer.detach();
    socket.destroy();
    this.watchdog.disarm();

    if (this.state === 'connected' && Date.now() - this.connectedAt >= PROVEN_AFTER_MS) this.attempts = 0;
    const reconnecting = this.willReconnect();
    const loss = { error, culprit, reconnecting, maxResends: this.options.maxResends };
    const resend = sortLost(this.inflight, loss, this.settle, (pending) => this.context(pending.command));
    for (let i = resend.length - 1; i >= 0; i--) {
      const pending = resend[i];
      pending.resends++;
      pending.offlineSince = 0;
      this.admission.setWritten(pending, false);
      this.outbox.unshift(pending);
    }

    if (!reconnecting) return this.finish(`connection lost${error ? `: ${reasonOf(error)}` : ''}`);
    this.setState('reconnecting');
    this.offline.start();
    const delay = backoffDelay(this.attempts++, this.options.reconnect || {});
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private willReconnect(): boolean {
    const policy = this.options.reconnect;
    if (this.closing || policy === false) return false;
    return this.attempts < (policy.maxAttempts ?? Infinity);
  }

  /** Final state: every queued command fails with ConnectionError(`reason`), the socket is gone. */
  private finish(reason: string): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.closeTimer);
    this.watchdog.disarm();
    this.offline.stop();
    const socket = this.socket;
    this.socket = undefined;
    this.writer.detach();
    socket?.destroy();
    for (const queue of [this.inflight, this.outbox]) {
      for (let pending = queue.shift(); pending; pending = queue.shift()) {
        if (pending.subscriber && !pending.cancelled) {
          this.settle(pending, this.error(ConnectionError, reason, pending, pending.written));
        }
      }
    }
    this.setState('closed');
    this.closing?.resolve();
  }

  private endIfDrained(): void {
    if (this.pendingCount > 0 || !this.socket) return;
    const socket = this.socket;
    socket.once('close', () => this.finish('connection closed'));
    this.socket = undefined;
    this.writer.detach();
    socket.end();
  }

  /** Fails one live command: it stops counting against the limits first. */
  private readonly settle = (pending: Pending, error: Error): void => {
    this.admission.release(pending);
    pending.subscriber?.error(error);
  };

  private error<E extends ConnectionError>(
    Type: new (message: string, context: object, mayHaveReachedServer?: boolean) => E,
    reason: string,
    pending: Pending,
    mayHaveReachedServer = false,
  ): E {
    return new Type(reason, this.context(pending.command), mayHaveReachedServer);
  }

  private setState(state: ConnectionState): void {
    if (this.stateSubject.value !== state) this.stateSubject.next(state);
  }

  private context(command?: Command<unknown>) {
    return { connection: this.name, command: command?.line };
  }

  toString(): string {
    return `${this.name} (${describeAddress(this.options.address)})`;
  }
}
