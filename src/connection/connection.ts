import { Observable } from 'rxjs';
import type { Subscription, Unsubscribable } from 'rxjs';
import type { Socket } from 'node:net';
import type { Command } from '../protocol/commands.js';
import { BadReplyError, CommandTimeoutError, ConnectionError, QueueFullError } from '../protocol/errors.js';
import { parseReplies } from '../protocol/parser.js';
import type { ParserOptions } from '../protocol/parser.js';
import { describeAddress } from './address.js';
import { reasonOf } from './deliver.js';
import { InFlight } from './inflight.js';
import { zipWithPending } from './matching.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, resolveOptions } from './options.js';
import type { ConnectionOptions, ResolvedOptions } from './options.js';
import { Outbound } from './outbound.js';
import type { CommandSink, Pending } from './pending.js';
import { ReadPlanner, parserOptionsFor } from './read-planner.js';
import { Session } from './session.js';
import type { ConnectionState } from './session.js';
import { eachReadAsOne, socketChunks } from './socket-chunks.js';

export type { ConnectionOptions } from './options.js';
export type { ConnectionState } from './session.js';

/** One socket of a connection: its reply pipeline, and the socket itself once it is ready. */
interface Link {
  subscription?: Subscription;
  socket?: Socket;
}

/**
 * One beanstalkd connection: commands are queued, written in one socket write per tick
 * (Outbound), and matched in order with the replies parsed from the socket, over sockets
 * that come and go (Session). The used tube and watch set are adjusted just before a
 * command that needs them, so they are also right again after a reconnect.
 */
export class Connection {
  readonly name: string;
  /** idle, connecting, connected, reconnecting, closed: for logs and alerts. */
  readonly state$: Observable<ConnectionState>;
  private readonly options: ResolvedOptions;
  private readonly parserOptions: ParserOptions;
  private readonly session: Session;
  private readonly outbound: Outbound;
  private readonly inflight: InFlight;
  /** The socket commands go to; undefined while there is none. */
  private link: Link | undefined;
  /** A socket ended gracefully (close): the connection is closed once it is gone. */
  private ending: Link | undefined;
  /** A command given up by `abandon`: the connection goes once everything before it is answered. */
  private abandoned: Pending | undefined;

  constructor(options: ConnectionOptions) {
    this.options = resolveOptions(options);
    this.name = options.name;
    this.parserOptions = parserOptionsFor(this.options);
    this.session = new Session(
      this.options,
      () => this.connect(),
      (reason) => this.finish(reason),
    );
    this.state$ = this.session.state$;
    const waitMs = this.options.maxOfflineWaitMs;
    this.outbound = new Outbound(
      this.options,
      () => this.inflight.wrote(),
      (pending) => pending.fail(new ConnectionError(`no connection for ${waitMs} ms`, this.context(pending.command))),
    );
    this.inflight = new InFlight(this.name, this.options.commandTimeoutMs, this.outbound, (head, reason) =>
      this.onTimeout(head, reason),
    );
  }

  get state(): ConnectionState {
    return this.session.state;
  }

  /** Live commands queued or awaiting replies; 0 means idle. */
  get pendingCount(): number {
    return this.outbound.count;
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
    if (this.session.isClosing || this.state === 'closed') {
      sink.error(new ConnectionError('connection is closed', this.context(command)));
      return undefined;
    }
    const offline = this.state !== 'connected';
    const refusal = this.outbound.refusal(command, offline);
    if (refusal !== undefined) {
      sink.error(new QueueFullError(refusal, this.context(command)));
      return undefined;
    }
    // Telemetry hook: the observer may wrap the sink to see the outcome.
    if (this.options.observer) sink = this.options.observer.command(command, sink, this.name);
    const pending = this.outbound.queue(command, sink, offline);
    if (this.state === 'idle') this.connect();
    return pending;
  }

  /**
   * Stops taking commands, lets queued and in-flight ones finish, then closes the socket.
   * After `timeoutMs` (default 10 s) it stops waiting: the socket is destroyed and what is
   * left fails with ConnectionError. A later call with a shorter bound shortens the wait.
   */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    return this.session.close(timeoutMs, () => {
      // Commands accepted while the first connect is under way still go out; a connection
      // that is down (reconnecting) or never used closes at once.
      const connectingWithWork = this.state === 'connecting' && this.pendingCount > 0;
      if (this.state === 'connected' || connectingWithWork) this.endIfDrained();
      else this.finish('connection closed');
    });
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
    return this.session.whenClosed();
  }

  private destroyIfAbandonedIsNext(): void {
    if (this.abandoned && this.inflight.isNextOrGone(this.abandoned)) void this.destroy();
  }

  /** Closes at once: in-flight commands fail, the server returns this connection's reserved jobs to ready. */
  destroy(): Promise<void> {
    const closed = this.close();
    this.finish('connection destroyed');
    return closed;
  }

  /**
   * Opens a socket and its reply pipeline: the socket's chunks, parsed into replies, zipped
   * in order with the commands written (each read's replies handled as one batch, so what
   * their callbacks send leaves in one write).
   */
  private connect(): void {
    this.session.opening();
    const link: Link = {};
    this.link = link;
    const planner = new ReadPlanner();
    link.subscription = socketChunks(this.options, planner, (socket) => this.onConnected(link, socket))
      .pipe(
        eachReadAsOne((reading) => this.outbound.reading(reading)),
        parseReplies({ ...this.parserOptions, planner }),
        zipWithPending(this.outbound.written$, this.inflight.queue, this.inflight.answer),
      )
      .subscribe({
        next: (broken) => this.afterReply(link, broken),
        // An unreadable reply belongs to the oldest command still waiting.
        error: (error: Error) =>
          this.onLost(link, error, error instanceof BadReplyError ? this.inflight.head : undefined),
        // FIN: the server is gone (or going). Stop writing at once: what is still queued
        // waits for the next connection instead of vanishing into a dead socket.
        complete: () => this.onLost(link, new ConnectionError('the server closed the connection', this.context())),
      });
  }

  private onConnected(link: Link, socket: Socket): void {
    if (link !== this.link) return;
    link.socket = socket;
    this.session.opened();
    this.outbound.attach(socket);
    if (this.session.isClosing) this.endIfDrained();
  }

  private afterReply(link: Link, broken: Error | undefined): void {
    if (link !== this.link) return;
    this.session.replied();
    // A reply word that is wrong for its command means requests and replies no longer line
    // up: that command got the BadReplyError, the others in flight go through the reset.
    if (broken) this.fail(broken);
    if (this.abandoned) this.destroyIfAbandonedIsNext();
    if (this.session.isClosing) this.endIfDrained();
  }

  /** Resets the connection after a protocol error: the socket goes, reconnect follows. */
  private fail(error: Error): void {
    if (this.link) this.onLost(this.link, error);
  }

  /** The head command got no reply within commandTimeoutMs: it fails, the connection resets. */
  private onTimeout(head: Pending, reason: string): void {
    if (!head.cancelled) head.fail(new CommandTimeoutError(reason, this.context(head.command), true));
    this.fail(new CommandTimeoutError(reason, this.context()));
  }

  /** The socket is gone: in-flight commands are resent or fail (see sortLost), then reconnect or finish. */
  private onLost(link: Link, error: Error, culprit?: Pending): void {
    if (link === this.ending) return this.finish('connection closed');
    if (link !== this.link) return;
    this.link = undefined;
    this.outbound.detach();
    link.subscription?.unsubscribe();
    const reconnecting = this.session.willReconnect();
    const loss = { error, culprit, reconnecting, maxResends: this.options.maxResends };
    const resend = this.inflight.lost(loss, (pending) => this.context(pending.command));
    this.outbound.requeue(resend);
    if (!reconnecting) return this.finish(`connection lost: ${reasonOf(error)}`);
    this.session.reconnectLater();
    this.outbound.waitOffline();
  }

  /** Final state: every queued command fails with ConnectionError(`reason`), the socket is gone. */
  private finish(reason: string): void {
    for (const link of [this.link, this.ending]) link?.subscription?.unsubscribe();
    this.link = this.ending = undefined;
    const fail = (pending: Pending) =>
      pending.fail(new ConnectionError(reason, this.context(pending.command), pending.written));
    this.inflight.failAll(fail);
    this.outbound.failQueued(fail);
    this.session.closed();
  }

  private endIfDrained(): void {
    const link = this.link;
    if (this.pendingCount > 0 || !link?.socket) return;
    this.link = undefined;
    this.ending = link;
    this.outbound.detach();
    link.socket.end();
  }

  private context(command?: Command<unknown>) {
    return { connection: this.name, command: command?.line };
  }

  toString(): string {
    return `${this.name} (${describeAddress(this.options.address)})`;
  }
}
