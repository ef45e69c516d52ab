import { EMPTY, Observable, catchError, map, merge, switchMap, take, takeUntil, throwError } from 'rxjs';
import { abortable } from '../client/abort.js';
import { awaitableFrom } from '../client/awaitable.js';
import { buildOrFail } from '../client/build.js';
import { checkInteger } from '../protocol/validate.js';
import { jobIterator } from '../client/job-iterator.js';
import type { JobsOptions } from '../client/job-iterator.js';
import type { Awaitable } from '../client/awaitable.js';
import type { Beanstalk } from '../client/beanstalk.js';
import type { Job } from '../client/job.js';
import type { ReserveStreamOptions } from '../client/reserve-stream.js';
import type { ReserveOneOptions } from '../client/tube-set.js';
import { BadReplyError, ConnectionError } from '../protocol/errors.js';
import * as commands from '../protocol/commands.js';
import type { PoolJob } from './pool-server.js';
import type { ServerLink } from './server-link.js';
import { spreadLanes } from './routing.js';

/** Makes a PoolTubeSet; only the pool and its tubes do (`watch`). */
export let createPoolTubeSet: (servers: readonly ServerLink[], tubes: readonly string[]) => PoolTubeSet;

/**
 * Exactly these tubes on every server of a pool, for reserving. Jobs carry their server,
 * and their methods (delete, release, bury, touch) go to the lane that reserved them.
 */
export class PoolTubeSet {
  /** The watched tubes, in the order given. */
  readonly tubes: readonly string[];

  static {
    createPoolTubeSet = (servers, tubes) => new PoolTubeSet(servers, tubes);
  }

  private constructor(
    private readonly servers: readonly ServerLink[],
    tubes: readonly string[],
  ) {
    this.tubes = Object.freeze([...tubes]);
  }

  /**
   * A cold, endless stream of jobs from every server, with the backpressure of one client's
   * reserve stream. `concurrency` lanes are spread over the servers in proportion to their
   * weights, at least one each (so the total is at least the number of servers): every
   * server is always being reserved from, and an empty one holds up no other. A server
   * that goes down ends only its own lanes; they start again when it is back up. `until`
   * stops every lane gracefully, as on one client.
   */
  reserve(options: ReserveStreamOptions = {}): Observable<PoolJob> {
    return new Observable<PoolJob>((subscriber) => {
      const concurrency = buildOrFail(() => this.validate(options.concurrency ?? 1), subscriber);
      if (concurrency === undefined) return undefined;
      const lanes = spreadLanes(
        concurrency,
        this.servers.map((server) => server.weight),
      );
      const perServer = this.servers.map((server, i) => {
        server.start();
        const comebacks = options.until ? server.client$.pipe(takeUntil(options.until)) : server.client$;
        return comebacks.pipe(
          switchMap((client) =>
            client
              ? this.reserveOn(
                  server,
                  client,
                  client.watch(...this.tubes).reserve({ ...options, concurrency: lanes[i] }),
                )
              : EMPTY,
          ),
        );
      });
      return merge(...perServer).subscribe(subscriber);
    });
  }

  /**
   * The jobs of `reserve(options)` as an async iterable, for `for await`, as on one client
   * (see JobsOptions): at most as many jobs are reserved as the stream has lanes (the
   * larger of `concurrency` and the number of servers). Breaking out of the loop (or
   * throwing) closes every server's lanes: unsettled jobs go back to ready.
   */
  jobs(options: JobsOptions = {}): AsyncIterableIterator<PoolJob> {
    return jobIterator((until) => this.reserve({ ...options, until }), options);
  }

  /**
   * One job from whichever server has one first: a reserve waits on every server that is
   * up, the first job wins and the other reserves are given up (a job that reaches one of
   * them at that very moment goes back to ready). With `timeout`, completes empty when no
   * server had a job in that time; without, it also waits for servers that come back.
   */
  reserveOne(options?: ReserveOneOptions & { readonly timeout?: undefined }): Awaitable<PoolJob>;
  reserveOne(options: ReserveOneOptions): Awaitable<PoolJob, PoolJob | undefined>;
  reserveOne(options: ReserveOneOptions = {}): Awaitable<PoolJob, PoolJob | undefined> {
    const reserve = new Observable<PoolJob>((subscriber) => {
      if (buildOrFail(() => this.validate(1, options.timeout), subscriber) === undefined) return undefined;
      const reserveOn = (server: ServerLink, client: Beanstalk) =>
        this.reserveOn(server, client, client.watch(...this.tubes).reserveOne(options));
      const perServer = this.servers.map((server) =>
        options.timeout === undefined
          ? server.client$.pipe(switchMap((client) => (client ? reserveOn(server, client) : EMPTY)))
          : server.withClient((client) => reserveOn(server, client)).pipe(catchError(() => EMPTY)),
      );
      return merge(...perServer)
        .pipe(take(1))
        .subscribe(subscriber);
    });
    return awaitableFrom(abortable(reserve, options.signal), true);
  }

  /** Tags each job with its server; a lost server ends this part quietly and is marked down. */
  private reserveOn(server: ServerLink, client: Beanstalk, jobs: Observable<Job>) {
    return jobs.pipe(
      map((job) => server.tag(job)),
      catchError((error: unknown) => {
        if (!(error instanceof ConnectionError || error instanceof BadReplyError)) return throwError(() => error);
        server.reportFailure(client);
        return EMPTY;
      }),
    );
  }

  /** Throws InvalidArgumentError for a bad concurrency, tube or timeout; returns the concurrency. */
  private validate(concurrency: number, timeout?: number): number {
    checkInteger('concurrency', concurrency, 1, Number.MAX_SAFE_INTEGER);
    // Building the command validates the tubes (and timeout) before anything is sent.
    if (timeout === undefined) commands.reserve(this.tubes);
    else commands.reserveWithTimeout(this.tubes, timeout);
    return concurrency;
  }
}
