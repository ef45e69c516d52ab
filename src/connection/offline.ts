import type { Admission } from './admission.js';
import type { Pending } from './pending.js';
import type { Queue } from './queue.js';

/**
 * Bounds the wait of commands queued while their connection is down: a sweep every eighth
 * of `waitMs` fails those that waited longer (blocking reserves excepted: they wait for the
 * lane by design) and drops the ones their callers gave up, so neither time nor memory is
 * unbounded during an outage. A command's wait is stamped by the first sweep that sees it.
 */
export class OfflineQueue {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly waitMs: number,
    private readonly outbox: Queue<Pending>,
    private readonly admission: Admission,
    private readonly expire: (pending: Pending) => void,
  ) {}

  /** Starts sweeping (the connection is down and commands wait). */
  start(): void {
    if (this.timer || this.waitMs === Infinity) return;
    this.timer = setInterval(() => this.sweep(true), Math.max(10, this.waitMs / 8));
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Drops given-up commands once they are most of the queue: amortised O(1) per command. */
  compactIfBloated(): void {
    if (this.outbox.length > 2 * this.admission.queued + 1024) this.sweep(false);
  }

  private sweep(expire: boolean): void {
    const now = Date.now();
    const deadline = now - this.waitMs;
    const expired: Pending[] = [];
    for (const pending of this.outbox.drain()) {
      if (pending.cancelled || !pending.subscriber) continue;
      if (pending.offlineSince === 0) pending.offlineSince = now;
      if (expire && pending.offlineSince <= deadline && pending.command.options.waits !== Infinity) {
        expired.push(pending);
      } else this.outbox.push(pending);
    }
    // Failed after the queue is whole again: a caller that retries at once queues behind the rest.
    for (const pending of expired) this.expire(pending);
  }
}
