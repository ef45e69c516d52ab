import { Observable } from 'rxjs';
import type { Subscriber, Unsubscribable } from 'rxjs';
import type { CommandSink } from '../connection/pending.js';
import { ConnectionError, DeadlineSoonError } from '../protocol/errors.js';
import { backoffDelay } from '../connection/backoff.js';
import type { Job } from './job.js';
import type { Lane } from './lane.js';

/** What a reserve stream needs from its client. */
export interface LaneSource {
  openLane(): Lane;
  readonly closed: boolean;
}

/** Options of a reserve stream: its lanes, how it stops, and what to do on DEADLINE_SOON. */
export interface ReserveStreamOptions {
  /** Lanes, so at most this many jobs are reserved and unsettled at once. Default 1. */
  readonly concurrency?: number;
  /**
   * When this emits, the stream stops reserving at once, waits for the jobs it handed
   * out to be settled, closes its lanes and completes (graceful shutdown).
   */
  readonly until?: Observable<unknown>;
  /** On DEADLINE_SOON: touch the job the lane holds, or leave it to time out. Default 'touch'. */
  readonly onDeadlineSoon?: 'touch' | 'leave';
}

/**
 * An endless stream of reserved jobs on `concurrency` lanes. Each lane reserves one
 * job, emits it, and reserves the next only after that job is settled: real
 * backpressure, seen by the server as at most `concurrency` reserved jobs.
 */
export function reserveStream(
  source: LaneSource,
  tubes: readonly string[],
  options: ReserveStreamOptions,
): Observable<Job> {
  return new Observable<Job>((subscriber) => {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      subscriber.error(new RangeError(`concurrency must be a positive integer, got ${concurrency}`));
      return undefined;
    }
    const runs = Array.from({ length: concurrency }, () => new LaneRun(source, tubes, options, subscriber));
    const stopSubscription = options.until?.subscribe(() => runs.forEach((run) => run.stop()));
    runs.forEach((run) => run.start(() => runs.every((r) => r.laneClosed) && subscriber.complete()));
    return () => {
      stopSubscription?.unsubscribe();
      runs.forEach((run) => run.close());
    };
  });
}

/** One lane's loop: reserve, emit, wait for settle, reserve again. */
class LaneRun {
  private readonly lane: Lane;
  private reserving: Unsubscribable | undefined;
  /** The last reserve is still waiting for its reply. */
  private reserveOpen = false;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failures = 0;
  finished = false;
  laneClosed = false;
  private onFinished: () => void = () => undefined;

  constructor(
    private readonly source: LaneSource,
    private readonly tubes: readonly string[],
    private readonly options: ReserveStreamOptions,
    private readonly subscriber: Subscriber<Job>,
  ) {
    this.lane = source.openLane();
  }

  start(onFinished: () => void): void {
    this.onFinished = onFinished;
    this.next();
  }

  /** Stop reserving; a lane holding a job closes once the job is settled. */
  stop(): void {
    this.stopping = true;
    if (!this.lane.held) this.finish('abandon');
  }

  /**
   * Teardown: a lane holding an unsettled job is destroyed, so the server takes the job back;
   * otherwise its reserve is abandoned, so a delete already sent still gets its answer.
   */
  close(): void {
    if (this.finished) return;
    this.finish(this.lane.held ? 'destroy' : 'abandon');
  }

  /**
   * Done reserving. 'close' (right after a settle): the settle still goes out and is answered.
   * 'abandon': the pending reserve is given up, the lane closes once what was sent before it
   * is answered. 'destroy': at once.
   */
  private finish(how: 'close' | 'abandon' | 'destroy'): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    const reserve = this.reserveOpen ? this.reserving : undefined;
    this.reserving?.unsubscribe();
    const closed =
      how === 'destroy'
        ? this.lane.destroy()
        : how === 'abandon' && reserve
          ? this.lane.connection.abandon(reserve)
          : this.lane.close();
    // The stream completes once its lanes are closed: every settle it handed out is answered.
    void closed.then(() => {
      this.laneClosed = true;
      this.onFinished();
    });
  }

  private readonly next = (): void => {
    this.reserving?.unsubscribe();
    if (this.stopping || this.source.closed) return this.finish('close');
    if (this.subscriber.closed) return;
    this.reserveOpen = true;
    this.reserving = this.lane.reserveInto(this.tubes, undefined, this.next, this.sink);
  };

  /** Where the lane hands each reserved job (one object for the run, not one per job). */
  private readonly sink: CommandSink<Job> = {
    next: (job) => {
      this.reserveOpen = false;
      this.failures = 0;
      this.subscriber.next(job);
    },
    error: (error: unknown) => {
      this.reserveOpen = false;
      this.onError(error);
    },
    // A blocking reserve completes only right after its job (next, above), and by then a
    // settle inside the consumer may already have started the next reserve: leave the flag.
    complete: () => undefined,
  };

  private onError(error: unknown): void {
    if (this.source.closed || this.stopping) return this.finish('destroy');
    if (error instanceof DeadlineSoonError) {
      // Never loop on reserve inside the safety margin: deal with the held job, then wait it out.
      const held = this.lane.held;
      this.lane.events.next({ type: 'deadline-soon', lane: this.lane.name, job: held?.id });
      if (held && this.options.onDeadlineSoon !== 'leave') held.touch().subscribe({ error: () => undefined });
      this.timer = setTimeout(this.next, 1000);
      return;
    }
    if (error instanceof ConnectionError && this.lane.connection.state !== 'closed') {
      // The lane reconnects by itself; try again once it is back.
      this.lane.events.next({ type: 'reserve-error', lane: this.lane.name, error });
      this.timer = setTimeout(this.next, backoffDelay(this.failures++, {}));
      return;
    }
    this.subscriber.error(error);
  }
}
