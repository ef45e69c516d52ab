import type { Socket } from 'node:net';
import type { Command } from '../protocol/commands.js';
import { Admission } from './admission.js';
import { PendingCommands } from './matching.js';
import { OfflineQueue } from './offline.js';
import type { ResolvedOptions } from './options.js';
import { Pending } from './pending.js';
import type { CommandSink } from './pending.js';
import { Queue } from './queue.js';
import { TubeState } from './tube-state.js';
import { Writer } from './writer.js';

/**
 * The outbound side of a connection: the limits on what may wait (Admission), the queue of
 * commands not yet written (the outbox, bounded in time while offline), and the Writer that
 * sends them in coalesced writes, each after the use/watch/ignore it needs. Every command
 * written that expects a reply goes to `written$`, the pending-command stream (a Subject)
 * that replies are zipped with.
 */
export class Outbound {
  /** Commands written to the socket and awaiting a reply, in the order they were written. */
  readonly written$ = new PendingCommands<Pending>();
  readonly admission: Admission;
  private readonly outbox = new Queue<Pending>();
  private readonly offline: OfflineQueue;
  private readonly writer: Writer;

  constructor(
    options: ResolvedOptions,
    /** Called after every write (the watchdog arms itself). */
    wrote: () => void,
    /** A command waited longer than `maxOfflineWaitMs` for a connection. */
    expired: (pending: Pending) => void,
  ) {
    this.admission = new Admission(options);
    this.writer = new Writer(this.outbox, this.written$, this.admission, new TubeState(), wrote);
    this.offline = new OfflineQueue(options.maxOfflineWaitMs, this.outbox, this.admission, expired);
  }

  /** Live commands queued or awaiting replies. */
  get count(): number {
    return this.admission.count;
  }

  /** Why `command` cannot be queued now (the limits), or undefined when it can. */
  refusal(command: Command<unknown>, offline: boolean): string | undefined {
    return this.admission.refusal(command, offline);
  }

  /** Queues a command (refusal() said it may); it leaves with the next write. */
  queue<T>(command: Command<T>, sink: CommandSink<T>, offline: boolean): Pending {
    const pending = new Pending(command, sink, this.admission);
    this.admission.admit(pending);
    this.outbox.push(pending);
    if (offline) {
      this.offline.start();
      this.offline.compactIfBloated();
    }
    this.writer.schedule();
    return pending;
  }

  /** A connected socket: what waits is written now, after the tube state is set up afresh. */
  attach(socket: Socket): void {
    this.offline.stop();
    this.writer.attach(socket);
  }

  /** Stops writing at once; what is queued waits (bounded by `maxOfflineWaitMs` once `waitOffline`). */
  detach(): void {
    this.writer.detach();
  }

  /** The connection is down: queued commands start their bounded wait. */
  waitOffline(): void {
    this.offline.start();
  }

  /** Puts commands a lost socket left unanswered back at the front, oldest first, to be written again. */
  requeue(resend: readonly Pending[]): void {
    for (let i = resend.length - 1; i >= 0; i--) {
      const pending = resend[i];
      pending.resends++;
      pending.offlineSince = 0;
      this.admission.setWritten(pending, false);
      this.outbox.unshift(pending);
    }
  }

  /** Removes every queued command, handing the live ones to `fail`; nothing is written any more. */
  failQueued(fail: (pending: Pending) => void): void {
    this.offline.stop();
    this.writer.detach();
    for (let pending = this.outbox.shift(); pending; pending = this.outbox.shift()) {
      if (pending.subscriber && !pending.cancelled) fail(pending);
    }
  }

  /** A read's replies are being delivered (true), or all were (false): what they queued leaves now. */
  reading(reading: boolean): void {
    this.writer.reading(reading);
  }

  /** At least this many bytes are in the kernel. */
  get bytesSent(): number {
    return this.writer.bytesSent;
  }

  /** Bytes of a large write libuv still holds. */
  get bytesLeaving(): number {
    return this.writer.bytesLeaving;
  }
}
