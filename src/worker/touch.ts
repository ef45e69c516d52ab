import { Observable } from 'rxjs';
import type { Job } from '../client/job.js';

/** When to learn the TTR: a handler that finishes sooner never costs a stats-job. */
const LEARN_AFTER_MS = 200;

/** How often to touch a job with this TTR: well inside the deadline, including the 1 s safety margin. */
export const touchInterval = (ttrSeconds: number): number => Math.max(ttrSeconds * 500, ttrSeconds * 1000 - 2000);

/**
 * While subscribed, keeps a reserved job from timing out: it touches the job on a
 * schedule measured from the reservation, from its TTR in seconds (when not given, read
 * once with stats-job after a short while). Emits once per successful touch.
 */
export function keepTouching(job: Job, reservedAt: number, ttr?: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = (interval: number, round: number) => {
      const due = reservedAt + interval * round - Date.now();
      timer = setTimeout(
        () => {
          job.touch().subscribe({
            next: () => subscriber.next(),
            error: () => undefined, // settled meanwhile or lane lost: nothing left to keep alive
            complete: () => !stopped && !job.settled && schedule(interval, round + 1),
          });
        },
        Math.max(0, due),
      );
    };
    if (ttr !== undefined) schedule(touchInterval(ttr), 1);
    else
      timer = setTimeout(() => {
        job.stats().subscribe({
          next: (stats) => !stopped && !job.settled && schedule(touchInterval(stats.ttr), 1),
          error: () => undefined,
        });
      }, LEARN_AFTER_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  });
}
