import type { Socket } from 'node:net';
import type { Observer } from 'rxjs';
import type { Command } from '../protocol/commands.js';
import { encodeSegments, encodedLength } from '../protocol/encode.js';
import type { Admission } from './admission.js';
import { Pending } from './pending.js';
import type { Queue } from './queue.js';
import type { TubeState } from './tube-state.js';

/** Bytes Node may hold unsent for a socket before further commands wait in the outbox. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Its reactions run as microtasks: the cheapest way to defer a flush to the end of a burst. */
const RESOLVED = Promise.resolve();

/**
 * The outbound half of a connection: commands queued in one tick (or in the callbacks of
 * one read) leave in one socket write, each preceded by the use/watch/ignore it needs, and
 * then go to `written` to wait for their replies. Writes only while attached to a connected socket.
 */
export class Writer {
  private socket: Socket | undefined;
  private writable = false;
  private flushScheduled = false;
  /** True while a read's replies are delivered: commands their callbacks issue wait for its end. */
  private readingReplies = false;
  private bytesOut = 0;

  constructor(
    private readonly outbox: Queue<Pending>,
    /** Where each written command that has a reply goes: the pending-command Subject. */
    private readonly written: Pick<Observer<Pending>, 'next'>,
    private readonly admission: Admission,
    private readonly tubes: TubeState,
    /** Called after every write (the watchdog arms itself). */
    private readonly wrote: () => void,
  ) {}

  /** A connected socket: the server starts it using and watching `default`. */
  attach(socket: Socket): void {
    this.socket = socket;
    this.writable = true;
    this.tubes.reset();
    this.schedule();
  }

  /** Stops writing at once (the socket was lost, ended by the server, or is closing). */
  detach(): void {
    this.socket = undefined;
    this.writable = false;
  }

  /** At least this many bytes are in the kernel: Node counts a write as pending until it is all out. */
  get bytesSent(): number {
    return this.bytesOut - (this.socket?.writableLength ?? 0);
  }

  /** Bytes of a large write libuv still holds: shrinks as the kernel takes it piece by piece. */
  get bytesLeaving(): number {
    const handle = (this.socket as unknown as { _handle?: { writeQueueSize?: unknown } } | undefined)?._handle;
    return typeof handle?.writeQueueSize === 'number' ? handle.writeQueueSize : 0;
  }

  /** A read's replies are being delivered (true), or all were (false: what they queued leaves now). */
  reading(reading: boolean): void {
    this.readingReplies = reading;
    // Commands issued by the callers of these replies leave now, in one write, instead of
    // after Node's own post-read work: that is most of a round trip's client-side latency.
    if (!reading && this.flushScheduled) this.flush();
  }

  schedule(): void {
    if (this.flushScheduled || !this.socket || !this.writable) return;
    this.flushScheduled = true;
    // Inside a read the flush follows it (see `reading`); otherwise a microtask runs it once
    // the caller's synchronous burst is queued. A resolved promise's reaction costs less
    // than queueMicrotask, which builds an AsyncResource and a bound function per call.
    if (!this.readingReplies) void RESOLVED.then(this.flush);
  }

  /** Writes everything queued in one socket write, with the use/watch/ignore lines it needs. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const socket = this.socket;
    if (!socket || !this.writable || this.outbox.length === 0) return;
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
    this.wrote();
  };

  /** Adds `pending` to the write being built; it then waits for its reply, if it has one. */
  private markWritten(pending: Pending, toWrite: Command<unknown>[]): void {
    toWrite.push(pending.command);
    this.bytesOut += encodedLength(pending.command);
    pending.sentBy = this.bytesOut;
    this.admission.setWritten(pending, true);
    if (!pending.command.options.noReply) this.written.next(pending);
    else if (pending.subscriber) {
      this.admission.release(pending);
      pending.subscriber.complete();
    }
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
        if (socket !== this.socket) return;
        this.writable = true;
        this.schedule();
      });
    }
  }
}
