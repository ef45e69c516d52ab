import { Observable } from 'rxjs';
import { ConnectionError, InvalidArgumentError } from '../protocol/errors.js';
import { checkInteger } from '../protocol/validate.js';
import { buildOrFail } from './build.js';
import type { ClientCore } from './core.js';
import type { Job } from './job.js';
import { LaneRun } from './lane-run.js';

/** What a reserve stream needs from its client (a ClientCore, or a stand-in in specs). */
export type LaneSource = Pick<ClientCore, 'openLane' | 'closed'> & { readonly name?: string };

/** Options of a reserve stream (`TubeSet.reserve`); `work()` takes `concurrency` and `connections` too. */
export interface ReserveStreamOptions {
  /** At most this many jobs are reserved and unsettled at once, across the stream. Default 1. */
  readonly concurrency?: number;
  /**
   * Connections (lanes) the stream reserves on; each holds up to concurrency/connections jobs.
   * Default: `concurrency` (one job per connection). Fewer connections cost the server fewer
   * sockets and system calls, at a price: a connection that holds jobs while the tube is empty
   * asks again every 100 ms (see the README, "Many jobs per connection"). More than
   * `concurrency` is taken as `concurrency`.
   */
  readonly connections?: number;
  /**
   * When this emits, the stream stops reserving at once, waits for the jobs it handed
   * out to be settled, closes its lanes and completes (graceful shutdown).
   */
  readonly until?: Observable<unknown>;
  /** On DEADLINE_SOON: touch the jobs the lane holds, or leave them to time out. Default 'touch'. */
  readonly onDeadlineSoon?: 'touch' | 'leave';
}

/** Largest `concurrency` a stream takes. */
const MAX_CONCURRENCY = 100_000;

/**
 * An endless stream of reserved jobs on lanes. A lane reserves a job, emits it, and
 * reserves more only while it holds fewer than its share of `concurrency`: real
 * backpressure, seen by the server as at most `concurrency` reserved jobs.
 */
export function reserveStream(
  source: LaneSource,
  tubes: readonly string[],
  options: ReserveStreamOptions,
): Observable<Job> {
  return new Observable<Job>((subscriber) => {
    const shares = buildOrFail(() => laneShares(options), subscriber);
    if (!shares) return undefined;
    if (source.closed) {
      subscriber.error(new ConnectionError('client is closed', { connection: source.name, command: 'reserve' }));
      return undefined;
    }
    const onDeadlineSoon = options.onDeadlineSoon ?? 'touch';
    const isClientClosed = () => source.closed;
    const finished = () => runs.every((run) => run.laneClosed) && subscriber.complete();
    const runs = shares.map(
      (maxJobs) =>
        new LaneRun(source.openLane(), { tubes, maxJobs, onDeadlineSoon, subscriber }, isClientClosed, finished),
    );
    const stopSubscription = options.until?.subscribe(() => runs.forEach((run) => run.stop()));
    runs.forEach((run) => run.start());
    return () => {
      stopSubscription?.unsubscribe();
      runs.forEach((run) => run.close());
    };
  });
}

/** How many jobs each lane may hold: `concurrency` split as evenly as it goes. */
function laneShares(options: ReserveStreamOptions): number[] {
  const concurrency = checkInteger('concurrency', options.concurrency ?? 1, 1, MAX_CONCURRENCY);
  const connections = Math.min(
    concurrency,
    checkInteger('connections', options.connections ?? concurrency, 1, Number.MAX_SAFE_INTEGER),
  );
  const mode = options.onDeadlineSoon;
  if (mode !== undefined && mode !== 'touch' && mode !== 'leave') {
    throw new InvalidArgumentError(`onDeadlineSoon must be 'touch' or 'leave', got ${String(mode)}`);
  }
  const base = Math.floor(concurrency / connections);
  const extra = concurrency % connections;
  return Array.from({ length: connections }, (_, i) => base + (i < extra ? 1 : 0));
}
