import { Observable, catchError, defer, exhaustMap, forkJoin, map, of, switchMap, throwError, timer } from 'rxjs';
import { InvalidArgumentError, NotFoundError } from '../protocol/errors.js';
import type { ServerStats, TubeStats } from '../protocol/stats.js';
import { checkTubeName } from '../protocol/validate.js';
import { toSnapshot } from './snapshot.js';
import type { MonitorSnapshot, Sample } from './snapshot.js';

/**
 * What `monitor()` reads from: a `Beanstalk` client, or anything with the same three
 * methods (a pool of servers, a wrapper that adds logging).
 */
export interface MonitorSource {
  /** The server's stats (a pool may add its servers' up). */
  stats(): Observable<ServerStats>;
  /** The names of the tubes that exist. */
  listTubes(): Observable<string[]>;
  /** A tube, for its stats. */
  tube(name: string): {
    /** The tube's stats; fails with NotFoundError when it does not exist. */
    stats(): Observable<TubeStats>;
  };
}

/** How often `monitor()` samples, and which tubes. */
export interface MonitorOptions {
  /** Milliseconds between samples. Default 1000. */
  readonly intervalMs?: number;
  /** Only these tubes (each shown while it exists). Default: every tube the server lists. */
  readonly tubes?: readonly string[];
}

const DEFAULT_INTERVAL_MS = 1000;
/** setInterval's own limit; anything longer would fire at once. */
const MAX_INTERVAL_MS = 2147483647;

/**
 * An Observable of stats snapshots, one every `intervalMs` (the first at once): server
 * stats and every tube's stats, with per-second rates from the counters since the
 * previous snapshot. Each sample asks for `stats` and all the `stats-tube`s in one
 * pipelined round trip (after a `list-tubes` when no tubes are given). A sample still
 * running when the next is due makes that one skip. Sampling stops when unsubscribed; a
 * failed command fails the Observable (add `retry()` to carry on, rates start afresh).
 */
export function monitor(source: MonitorSource, options: MonitorOptions = {}): Observable<MonitorSnapshot> {
  return defer(() => {
    const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (
      typeof intervalMs !== 'number' ||
      !Number.isInteger(intervalMs) ||
      intervalMs < 1 ||
      intervalMs > MAX_INTERVAL_MS
    ) {
      throw new InvalidArgumentError(
        `intervalMs must be an integer from 1 to ${MAX_INTERVAL_MS}, got ${String(intervalMs)}`,
      );
    }
    const tubes = options.tubes?.map(checkTubeName);
    let previous: Sample | undefined;
    return timer(0, intervalMs).pipe(
      exhaustMap(() => takeSample(source, tubes)),
      map((sample) => {
        const snapshot = toSnapshot(sample, previous);
        previous = sample;
        return snapshot;
      }),
    );
  });
}

/** One round: the tube names (unless given), then server stats and all tube stats together. */
function takeSample(source: MonitorSource, tubes: readonly string[] | undefined): Observable<Sample> {
  const names = tubes ? of(tubes) : source.listTubes();
  return names.pipe(
    switchMap((list) => forkJoin([source.stats(), allTubeStats(source, [...new Set(list)])])),
    map(([server, tubeStats]) => ({ time: Date.now(), server, tubes: tubeStats })),
  );
}

/** Every tube's stats, subscribed in one tick so the commands leave in one write. */
function allTubeStats(source: MonitorSource, names: readonly string[]): Observable<TubeStats[]> {
  if (names.length === 0) return of([]);
  const each = names.map((name) =>
    source
      .tube(name)
      .stats()
      .pipe(
        map((stats): TubeStats | undefined => stats),
        // Listed a moment ago but gone now (or never there, for a named tube).
        catchError((error: unknown) => (error instanceof NotFoundError ? of(undefined) : throwError(() => error))),
      ),
  );
  return forkJoin(each).pipe(map((list) => list.filter((stats): stats is TubeStats => stats !== undefined)));
}
