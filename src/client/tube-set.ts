import { Observable } from 'rxjs';
import { abortable } from './abort.js';
import { Awaitable, awaitableFrom } from './awaitable.js';
import type { Job } from './job.js';
import { jobIterator } from './job-iterator.js';
import type { JobsOptions } from './job-iterator.js';
import type { ClientCore } from './core.js';
import type { Lane } from './lane.js';
import { reserveStream } from './reserve-stream.js';
import type { ReserveStreamOptions } from './reserve-stream.js';

/** Makes a TubeSet of a client; only the client and its tubes do (`watch`). */
export let createTubeSet: (core: ClientCore, tubes: readonly string[]) => TubeSet;

/** Options of a one-off reserve. */
export interface ReserveOneOptions {
  /** Seconds to wait for a job; without it, wait until one comes. 0 polls. */
  readonly timeout?: number;
  /** Stops waiting: fails with `signal.reason`; a job the server hands out meanwhile goes back to ready. */
  readonly signal?: AbortSignal;
}

/** Exactly these tubes watched (not added to `default`), for reserving. */
export class TubeSet {
  /** The tubes reserves watch, in the order given. */
  readonly tubes: readonly string[];

  static {
    createTubeSet = (core, tubes) => new TubeSet(core, tubes);
  }

  private constructor(
    private readonly core: ClientCore,
    tubes: readonly string[],
  ) {
    this.tubes = Object.freeze([...tubes]);
  }

  /** A cold, endless stream of jobs on `concurrency` lanes; see ReserveStreamOptions. */
  reserve(options: ReserveStreamOptions = {}): Observable<Job> {
    return reserveStream(this.core, this.tubes, options);
  }

  /**
   * The jobs of `reserve(options)` as an async iterable, for `for await`; see JobsOptions.
   * Breaking out of the loop (or throwing) closes the lanes: unsettled jobs go back to ready.
   */
  jobs(options: JobsOptions = {}): AsyncIterableIterator<Job> {
    return jobIterator((until) => this.reserve({ ...options, until }), options);
  }

  /**
   * One job, or completes empty (awaited: `undefined`) when `timeout` passes. The job keeps
   * its lane until it is settled; the shared command connection is never blocked.
   */
  reserveOne(options?: ReserveOneOptions & { readonly timeout?: undefined }): Awaitable<Job>;
  reserveOne(options: ReserveOneOptions): Awaitable<Job, Job | undefined>;
  reserveOne(options: ReserveOneOptions = {}): Awaitable<Job, Job | undefined> {
    const reserve = withPooledLane(this.core, (lane, settled) => lane.reserve(this.tubes, options.timeout, settled));
    return awaitableFrom(abortable(reserve, options.signal), true);
  }
}

/**
 * Runs a one-off reserve on a pooled lane. The lane goes back to the pool when the job
 * is settled or nothing came; unsubscribing before the reply destroys the lane, so a
 * job that arrives late goes back to ready instead of being held by nobody.
 */
export function withPooledLane(
  client: ClientCore,
  reserve: (lane: Lane, settled: () => void) => Observable<Job>,
): Observable<Job> {
  return new Observable<Job>((subscriber) => {
    const lane = client.takeLane();
    let answered = false;
    let got = false;
    const subscription = reserve(lane, () => client.giveLane(lane)).subscribe({
      next: (job) => {
        got = true;
        answered = true; // the lane now belongs to the job until it is settled
        subscriber.next(job);
      },
      error: (error: unknown) => {
        answered = true;
        client.giveLane(lane);
        subscriber.error(error);
      },
      complete: () => {
        answered = true;
        if (!got) client.giveLane(lane);
        subscriber.complete();
      },
    });
    return () => {
      if (answered) return;
      subscription.unsubscribe();
      void lane.destroy();
    };
  });
}
