import type { ErrorContext } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { deliver } from './deliver.js';
import { sortLost } from './lost.js';
import type { Loss } from './lost.js';
import type { Outbound } from './outbound.js';
import type { Pending } from './pending.js';
import { Queue } from './queue.js';
import { Watchdog } from './watchdog.js';

/**
 * The reply-matching side of a connection: the commands written and awaiting replies,
 * oldest first (the buffer `zipWithPending` fills from the written-command Subject and
 * empties as replies come), the delivery of each reply to its command, the watchdog that
 * notices a silent server, and what happens to the commands a lost socket leaves behind.
 */
export class InFlight {
  /** Commands written and awaiting their replies, oldest first. */
  readonly queue = new Queue<Pending>();
  private readonly watchdog: Watchdog;
  /** Replies received: with the bytes written, the watchdog's measure of progress. */
  private replies = 0;

  constructor(
    private readonly name: string,
    commandTimeoutMs: number,
    private readonly outbound: Outbound,
    /** The oldest command got no reply in time (it is already out of the queue). */
    timedOut: (head: Pending, reason: string) => void,
  ) {
    this.watchdog = new Watchdog(commandTimeoutMs, {
      head: () => this.queue.peek(),
      progress: (head) => this.progress(head),
      timedOut: (head) => {
        this.queue.shift();
        timedOut(head, `no reply within ${commandTimeoutMs} ms`);
      },
    });
  }

  /**
   * Hands a reply to the command it answers (zipWithPending's selector): the command stops
   * counting against the limits, then gets its result. Returns the error that must reset
   * the connection, if any (see `deliver`).
   */
  readonly answer = (pending: Pending, reply: Reply): Error | undefined => {
    this.replies++;
    this.outbound.admission.release(pending);
    return deliver(pending, reply, this.name);
  };

  /** The oldest command still waiting for its reply. */
  get head(): Pending | undefined {
    return this.queue.peek();
  }

  /** True when `pending` is the next to be answered, or no longer waits. */
  isNextOrGone(pending: Pending): boolean {
    return this.queue.peek() === pending || !this.queue.includes(pending);
  }

  /** Commands were written: the watchdog starts ticking if it is not already. */
  wrote(): void {
    this.watchdog.arm();
  }

  /**
   * The socket is gone: empties the queue (see sortLost) and returns the commands to
   * resend, oldest first; the others have failed.
   */
  lost(loss: Loss, context: (pending: Pending) => ErrorContext): Pending[] {
    this.watchdog.disarm();
    return sortLost(this.queue, loss, (pending, error) => pending.fail(error), context);
  }

  /** The connection is finished: every live command still waiting goes to `fail`. */
  failAll(fail: (pending: Pending) => void): void {
    this.watchdog.disarm();
    for (let pending = this.queue.shift(); pending; pending = this.queue.shift()) {
      if (pending.subscriber && !pending.cancelled) fail(pending);
    }
  }

  /**
   * The watchdog's measure: replies, plus bytes leaving while the head's own are not all out.
   * Later commands a frozen server's kernel keeps accepting must not keep the head alive.
   */
  private progress(head: Pending): number {
    const sent = this.outbound.bytesSent;
    return sent < head.sentBy ? this.replies + sent - this.outbound.bytesLeaving : this.replies;
  }
}
