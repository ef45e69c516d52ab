import { NEVER, Subject, merge } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { Job } from './job.js';
import type { ReserveStreamOptions } from './reserve-stream.js';

/** Options of `TubeSet.jobs()`: those of `reserve()`, plus a signal. */
export interface JobsOptions extends ReserveStreamOptions {
  /**
   * Stops the iteration: reserving stops at once, jobs reserved but not yet handed to the
   * loop go back to ready, a waiting `next()` rejects with `signal.reason`. A job already in
   * the loop body may still be settled; its lane closes once it is.
   */
  readonly signal?: AbortSignal;
}

interface Waiter<J> {
  resolve(result: IteratorResult<J>): void;
  reject(error: unknown): void;
}

/**
 * Hands the jobs of a reserve stream to `for await`. The stream's lanes are the
 * backpressure: each reserves its next job only after its last one is settled, so at most
 * `concurrency` jobs wait here or in the loop. `reserve` gets the stream's `until`; a
 * pool's stream (jobs that also name their server) is iterated the same way.
 */
export function jobIterator<J extends Job>(
  reserve: (until: Observable<unknown>) => Observable<J>,
  options: JobsOptions,
): AsyncIterableIterator<J> {
  return new JobIterator(reserve, options);
}

class JobIterator<J extends Job> implements AsyncIterableIterator<J> {
  /** Jobs reserved and not yet handed to the loop (one per lane at most). */
  private readonly buffered: J[] = [];
  private readonly waiters: Waiter<J>[] = [];
  private readonly stop$ = new Subject<void>();
  private subscription: Subscription | undefined;
  /** Set once the iteration is over: done, or failed with `error`. */
  private end: { readonly error: Error; readonly failed: boolean } | undefined;

  constructor(
    private readonly reserve: (until: Observable<unknown>) => Observable<J>,
    private readonly options: JobsOptions,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<J> {
    return this;
  }

  next(): Promise<IteratorResult<J>> {
    const job = this.buffered.shift();
    if (job) return Promise.resolve({ value: job, done: false });
    if (this.end) return this.end.failed ? Promise.reject(this.end.error) : Promise.resolve(done());
    if (!this.subscription) this.start();
    if (this.end) return this.next();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called by `break`, `return` or a throw in the loop: closes the lanes at once. */
  return(): Promise<IteratorResult<J>> {
    this.finish(undefined, false);
    this.subscription?.unsubscribe();
    this.buffered.length = 0; // their lanes were just destroyed: the server has them back
    return Promise.resolve(done());
  }

  private start(): void {
    const signal = this.options.signal;
    if (signal?.aborted) return this.finish(signal.reason, true);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const until = merge(this.options.until ?? NEVER, this.stop$);
    this.subscription = this.reserve(until).subscribe({
      next: (job) => {
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve({ value: job, done: false });
        else this.buffered.push(job);
      },
      error: (error: unknown) => this.finish(error, true),
      complete: () => this.finish(undefined, false),
    });
  }

  /** Graceful: stop reserving, hand back what the loop has not seen, let the loop's own job finish. */
  private readonly onAbort = (): void => {
    const reason = this.options.signal?.reason as unknown;
    this.stop$.next();
    for (const job of this.buffered.splice(0)) job.release().subscribe({ error: () => undefined });
    this.finish(reason, true);
  };

  private finish(error: unknown, failed: boolean): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (this.end) return;
    this.end = { error: error as Error, failed }; // passed on as given (usually an Error)
    for (const waiter of this.waiters.splice(0)) {
      if (failed) waiter.reject(this.end.error);
      else waiter.resolve(done());
    }
  }
}

const done = (): IteratorResult<never> => ({ value: undefined, done: true });
