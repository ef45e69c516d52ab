import { Observable } from 'rxjs';
import type { Job } from './job.js';
import type { Lane } from './lane.js';
import { reserveStream } from './reserve-stream.js';
import type { LaneSource, ReserveStreamOptions } from './reserve-stream.js';

/** What a TubeSet needs from its client: lanes, one at a time or from the pool. */
export interface TubeSetClient extends LaneSource {
  takeLane(): Lane;
  giveLane(lane: Lane): void;
}

/** Options of a one-off reserve. */
export interface ReserveOneOptions {
  /** Seconds to wait for a job; without it, wait until one comes. 0 polls. */
  readonly timeout?: number;
}

/** Exactly these tubes watched (not added to `default`), for reserving. */
export class TubeSet {
  /** The tubes reserves watch, in the order given. */
  readonly tubes: readonly string[];

  constructor(
    private readonly client: TubeSetClient,
    tubes: readonly string[],
  ) {
    this.tubes = Object.freeze([...tubes]);
  }

  /** A cold, endless stream of jobs on `concurrency` lanes; see ReserveStreamOptions. */
  reserve(options: ReserveStreamOptions = {}): Observable<Job> {
    return reserveStream(this.client, this.tubes, options);
  }

  /**
   * One job, or completes empty when `timeout` passes. The job keeps its lane until it
   * is settled; the shared command connection is never blocked.
   */
  reserveOne(options: ReserveOneOptions = {}): Observable<Job> {
    return withPooledLane(this.client, (lane, settled) => lane.reserve(this.tubes, options.timeout, settled));
  }
}

/**
 * Runs a one-off reserve on a pooled lane. The lane goes back to the pool when the job
 * is settled or nothing came; unsubscribing before the reply destroys the lane, so a
 * job that arrives late goes back to ready instead of being held by nobody.
 */
export function withPooledLane(
  client: TubeSetClient,
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
