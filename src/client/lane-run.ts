import type { Subscriber, Unsubscribable } from 'rxjs';
import { backoffDelay } from '../connection/backoff.js';
import type { CommandSink } from '../connection/pending.js';
import { BadReplyError, ConnectionError, DeadlineSoonError } from '../protocol/errors.js';
import type { Job } from './job.js';
import type { Lane } from './lane.js';

/** How long a lane that holds jobs waits before asking an empty tube again. */
export const POLL_MS = 100;
/** Unreadable reserve replies in a row on one lane before the stream gives up. */
export const MAX_BAD_REPLIES = 10;

/** What a lane's loop needs from its stream. */
export interface LaneRunSettings {
  readonly tubes: readonly string[];
  /** Jobs this lane may hold (handed out and unsettled, plus reserves awaiting a reply). */
  readonly maxJobs: number;
  readonly onDeadlineSoon: 'touch' | 'leave';
  readonly subscriber: Subscriber<Job>;
}

/**
 * One lane's loop. A blocking `reserve` is only ever sent alone, by a lane that holds
 * nothing and has nothing else in flight, so no settle or touch can wait behind one. While
 * the tube has jobs, a lane that may hold several keeps up to `maxJobs` reserved or asked for
 * with `reserve-with-timeout 0`, which the server answers at once. Once those find the tube
 * empty, a lane still holding jobs asks again every POLL_MS, and a lane holding none blocks.
 * A settle hands the lane its next reserve at once, so both leave in one write.
 */
export class LaneRun {
  private held = 0;
  /** Reserves sent (or queued) and not answered yet. */
  private readonly open = new Set<OpenReserve>();
  private timer: NodeJS.Timeout | undefined;
  private timerKind: 'poll' | 'deadline' | 'retry' | undefined;
  /** The last reserve found nothing (or none was sent yet): poll or block instead of topping up. */
  private tubeEmpty = true;
  private failures = 0;
  private badReplies = 0;
  private stopping = false;
  private finished = false;
  laneClosed = false;

  constructor(
    private readonly lane: Lane,
    private readonly settings: LaneRunSettings,
    private readonly isClientClosed: () => boolean,
    private readonly onFinished: () => void,
  ) {}

  start(): void {
    this.pump();
  }

  /** Stop reserving; a lane holding jobs closes once they are settled. */
  stop(): void {
    if (this.finished) return;
    this.stopping = true;
    this.clearTimer();
    if (this.held === 0) return this.finish('abandon');
    // Replies to these are dropped; a job one of them got goes back to ready when the lane closes.
    for (const reserve of this.open) reserve.handle?.unsubscribe();
    this.open.clear();
  }

  /**
   * Teardown: a lane holding unsettled jobs is destroyed, so the server takes them back;
   * otherwise its reserves are abandoned, so a settle already sent still gets its answer.
   */
  close(): void {
    this.finish(this.held > 0 ? 'destroy' : 'abandon');
  }

  /** Called by each job of this run when it is settled. */
  private readonly onSettled = (): void => {
    this.held--;
    this.pump();
  };

  /** Sends whatever reserves the lane may send now. */
  readonly pump = (): void => {
    if (this.finished) return;
    if (this.stopping || this.isClientClosed()) {
      if (this.held === 0) this.finish('close');
      return;
    }
    if (this.settings.subscriber.closed) return;
    if (this.timer) {
      // A lane that holds nothing any more stops polling or waiting out a deadline and blocks.
      if (this.timerKind === 'retry' || this.held > 0 || this.open.size > 0) return;
      this.clearTimer();
    }
    const room = this.settings.maxJobs - this.held - this.open.size;
    if (room <= 0) return;
    // Holding nothing with the tube found empty (or one job a lane, as always): block, alone.
    if (this.held === 0 && (this.tubeEmpty || this.settings.maxJobs === 1)) {
      if (this.open.size === 0) this.send(true);
      return;
    }
    if (!this.tubeEmpty) {
      for (let i = 0; i < room; i++) this.send(false);
    } else if (this.open.size === 0) {
      this.arm('poll', POLL_MS, this.poll);
    }
  };

  private readonly poll = (): void => {
    if (this.held === 0 || this.stopping || this.isClientClosed()) return this.pump();
    if (!this.settings.subscriber.closed) this.send(false);
  };

  private send(blocking: boolean): void {
    const reserve = new OpenReserve(this);
    this.open.add(reserve);
    reserve.handle = this.lane.reserveInto(this.settings.tubes, blocking ? undefined : 0, this.onSettled, reserve);
  }

  /** @internal A reserve of this run delivered a job: it no longer counts as open. */
  onJob(reserve: OpenReserve, job: Job): void {
    if (!this.open.delete(reserve)) return;
    this.held++;
    this.tubeEmpty = false;
    this.failures = 0;
    this.badReplies = 0;
    this.settings.subscriber.next(job);
  }

  /** @internal A non-blocking reserve of this run found nothing (TIMED_OUT). */
  onNothing(reserve: OpenReserve): void {
    if (!this.open.delete(reserve)) return;
    this.tubeEmpty = true;
    this.failures = 0;
    this.badReplies = 0;
    this.pump();
  }

  /** @internal A reserve of this run failed. */
  onFailed(reserve: OpenReserve, error: unknown): void {
    if (!this.open.delete(reserve) || this.finished) return;
    if (this.isClientClosed() || this.stopping) return this.finish('destroy');
    if (error instanceof DeadlineSoonError) return this.onDeadlineSoon();
    const lane = this.lane;
    const retryable =
      error instanceof BadReplyError || (error instanceof ConnectionError && lane.connection.state !== 'closed');
    if (!retryable) return this.settings.subscriber.error(error);
    this.failures++;
    if (error instanceof BadReplyError) this.badReplies++;
    const policy = lane.reconnect;
    if (this.badReplies >= MAX_BAD_REPLIES) {
      const reason = `${this.badReplies} unreadable replies in a row on this lane, giving up: ${error.reason}`;
      return this.settings.subscriber.error(new BadReplyError(reason, error));
    }
    if (policy === false || this.failures > (policy?.maxAttempts ?? Infinity)) {
      return this.settings.subscriber.error(error);
    }
    // The lane's connection resets (or reconnects) by itself; try again once it may be back.
    lane.events.next({ type: 'reserve-error', lane: lane.name, error });
    if (this.timerKind !== 'retry') this.clearTimer();
    this.arm('retry', backoffDelay(this.failures - 1, policy ?? {}), this.pump);
  }

  /** Never loop on reserve inside the safety margin: deal with the held jobs, then wait it out. */
  private onDeadlineSoon(): void {
    if (this.timerKind === 'deadline') return; // several top-ups hit the margin at once
    const lane = this.lane;
    const jobs = [...lane.held];
    if (jobs.length === 0) lane.events.next({ type: 'deadline-soon', lane: lane.name, job: undefined });
    for (const job of jobs) {
      lane.events.next({ type: 'deadline-soon', lane: lane.name, job: job.id });
      if (this.settings.onDeadlineSoon === 'touch') job.touch().subscribe({ error: () => undefined });
    }
    this.clearTimer();
    this.arm('deadline', 1000, this.pump);
  }

  private arm(kind: 'poll' | 'deadline' | 'retry', ms: number, then: () => void): void {
    if (this.timer) return;
    this.timerKind = kind;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerKind = undefined;
      then();
    }, ms);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerKind = undefined;
  }

  /**
   * Done reserving. 'close' (nothing held): whatever was sent is answered, then the lane
   * closes. 'abandon': a reserve that may block for ever is given up, the lane closes once
   * what was sent before it is answered. 'destroy': at once.
   */
  private finish(how: 'close' | 'abandon' | 'destroy'): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    const open = [...this.open];
    this.open.clear();
    let closed: Promise<void>;
    if (how === 'destroy') closed = this.lane.destroy();
    else if (how === 'abandon' && open.length === 1 && open[0].handle) {
      closed = this.lane.connection.abandon(open[0].handle);
    } else {
      for (const reserve of open) reserve.handle?.unsubscribe();
      closed = this.lane.close();
    }
    // The stream completes once its lanes are closed: every settle it handed out is answered.
    void closed.then(() => {
      this.laneClosed = true;
      this.onFinished();
    });
  }
}

/** One reserve in flight: where the lane hands its job, TIMED_OUT or error. */
class OpenReserve implements CommandSink<Job> {
  handle: Unsubscribable | undefined;
  private gotJob = false;

  constructor(private readonly run: LaneRun) {}

  next(job: Job): void {
    this.gotJob = true;
    this.run.onJob(this, job);
  }

  error(error: unknown): void {
    this.run.onFailed(this, error);
  }

  /** After a job: the consumer has it now, so the lane may top up (or block, if it was settled at once). */
  complete(): void {
    if (this.gotJob) this.run.pump();
    else this.run.onNothing(this);
  }
}
