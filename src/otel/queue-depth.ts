import { Observable, catchError, firstValueFrom, forkJoin, map, of, switchMap, timeout } from 'rxjs';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import type { Beanstalk } from '../client/beanstalk.js';
import type { TubeStats } from '../protocol/stats.js';
import * as C from './conventions.js';
import { QUIET_KEY } from './command-observer.js';
import type { Instruments } from './instruments.js';

/** Which tubes the queue-depth gauge reports, and how fresh its figures must be. */
export interface QueueDepthOptions {
  /** Tubes to report. Default: every tube the server lists. */
  readonly tubes?: readonly string[];
  /** A collection within this long of the last poll reuses its figures. Default 1000 ms. */
  readonly minIntervalMs?: number;
  /** A poll that takes longer is given up (the gauge then reports nothing for the client). Default 2000 ms. */
  readonly timeoutMs?: number;
  /**
   * Figures from elsewhere instead of polling, e.g. `monitor(client)`: subscribed at the first
   * collection, the latest snapshot is reported.
   */
  readonly snapshots?: Observable<{
    /** The tubes to report, as in a `monitor()` snapshot. */
    readonly tubes: readonly {
      /** The tube's `stats-tube` figures. */
      readonly stats: TubeStats;
    }[];
  }>;
}

const STATES = [
  ['ready', 'currentJobsReady'],
  ['reserved', 'currentJobsReserved'],
  ['delayed', 'currentJobsDelayed'],
  ['buried', 'currentJobsBuried'],
] as const;

interface Poll {
  readonly at: number;
  readonly figures: Promise<readonly TubeStats[]>;
}

/**
 * The `messaging.beanstalkd.queue.depth` gauge: jobs per tube and state, from `stats-tube`
 * polled when a metric reader collects (never more often than `minIntervalMs`), so nothing
 * is polled while nobody reads metrics. One connected client per server is polled.
 */
export class QueueDepth {
  private readonly polls = new Map<Beanstalk, Poll>();
  /** Connected clients and their server's attributes. */
  private readonly connected = new Map<Beanstalk, Attributes>();
  private latest: readonly TubeStats[] | undefined;

  constructor(
    instruments: Instruments,
    private readonly options: QueueDepthOptions,
  ) {
    instruments.meter
      .createObservableGauge('messaging.beanstalkd.queue.depth', {
        description: 'Jobs in a tube, by state (ready, reserved, delayed, buried), from stats-tube.',
        unit: '{message}',
      })
      .addCallback((result) => this.observe(result));
  }

  /** Starts reporting `client`'s server (`server`: its attributes) once it is connected; stops when it closes. */
  track(client: Beanstalk, state: string, server: Attributes): void {
    if (state === 'connected') this.connected.set(client, server);
    else if (state === 'closed') {
      this.connected.delete(client);
      this.polls.delete(client);
    }
  }

  private async observe(result: ObservableResult): Promise<void> {
    const snapshots = this.options.snapshots;
    if (snapshots) {
      if (this.latest === undefined) {
        this.latest = [];
        snapshots.subscribe({ next: (snapshot) => (this.latest = snapshot.tubes.map((tube) => tube.stats)) });
      }
      return this.report(result, this.latest, {});
    }
    const servers = new Map<string, [Beanstalk, Attributes]>();
    for (const [client, server] of this.connected) servers.set(JSON.stringify(server), [client, server]);
    const polled = [...servers.values()].map(async ([client, server]) => ({ server, tubes: await this.poll(client) }));
    for (const { server, tubes } of await Promise.all(polled)) this.report(result, tubes, server);
  }

  private report(result: ObservableResult, tubes: readonly TubeStats[], server: Attributes): void {
    for (const stats of tubes) {
      for (const [state, key] of STATES) {
        result.observe(stats[key], {
          [C.ATTR_SYSTEM]: C.SYSTEM,
          [C.ATTR_DESTINATION]: stats.name,
          [C.ATTR_STATE]: state,
          ...server,
        });
      }
    }
  }

  private poll(client: Beanstalk): Promise<readonly TubeStats[]> {
    const last = this.polls.get(client);
    if (last && performance.now() - last.at < (this.options.minIntervalMs ?? 1000)) return last.figures;
    const tubes$: Observable<readonly string[]> = this.options.tubes ? of(this.options.tubes) : client.listTubes();
    const figures$ = tubes$.pipe(
      switchMap((tubes) =>
        quietly(
          forkJoin(
            tubes.map((tube) =>
              client
                .tube(tube)
                .stats()
                .pipe(catchError(() => of(undefined))),
            ),
          ),
        ),
      ),
      map((all) => all.filter((stats): stats is TubeStats => stats !== undefined)),
      timeout(this.options.timeoutMs ?? 2000),
      catchError(() => of([] as TubeStats[])),
    );
    const figures = firstValueFrom(quietly(figures$), { defaultValue: [] as TubeStats[] });
    this.polls.set(client, { at: performance.now(), figures });
    return figures;
  }
}

/** Subscribes to `source` in a context that tells the command observer to make no spans: the library's own polls. */
function quietly<T>(source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) =>
    context.with(ROOT_CONTEXT.setValue(QUIET_KEY, true), () => source.subscribe(subscriber)),
  );
}
