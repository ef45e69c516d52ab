import {
  EMPTY,
  Observable,
  Subject,
  concat,
  defer,
  from,
  last,
  map,
  merge,
  mergeMap,
  of,
  takeUntil,
  catchError,
  defaultIfEmpty,
  timer,
} from 'rxjs';
import type { Reserver } from '../client/reserver.js';
import type { Job } from '../client/job.js';
import { DEFAULT_PRIORITY } from '../protocol/commands.js';
import type { WorkerEvent } from './events.js';
import { keepTouching } from './touch.js';

/** Works one job; its result (an Observable, Promise, async iterable or plain value) decides success. */
export type Handler = (job: Job) => unknown;

/** What `work()` runs: the client, a handler per tube, and how to retry, touch and stop. */
export interface WorkOptions {
  /** One client, or a pool of servers, whose lanes reserve the jobs; the worker never closes it. */
  readonly client: Reserver;
  /** A handler per tube. */
  readonly tubes: Readonly<Record<string, Handler>>;
  /** Jobs worked at once per tube (each on its own lane). Default 1. */
  readonly concurrency?: number;
  /** Lanes per tube, each holding up to concurrency/connections jobs. Default: `concurrency`. */
  readonly connections?: number;
  /** Attempts before a failing job is buried. Default 5. */
  readonly maxAttempts?: number;
  /** Seconds to delay a failed job, from how often it was released already. Default 2^releases, at most 1 h. */
  readonly backoff?: (releases: number) => number;
  /** Priority for released jobs. Default: the job's own. */
  readonly releasePriority?: number;
  /** Priority for buried jobs. Default: the job's own. */
  readonly buryPriority?: number;
  /** Touch jobs whose handler runs long, so their TTR never expires mid-work. Default true. */
  readonly autoTouch?: boolean;
  /** After a stop, how long in-flight handlers may take before their jobs are abandoned (they return to ready). Default 30 s. */
  readonly gracePeriodMs?: number;
  /** Emits to stop: reserving stops at once, in-flight handlers finish and settle, then the lanes close. */
  readonly stop?: Observable<unknown>;
}

/** The default retry delay: 2^releases seconds, at most an hour. */
export const defaultBackoff = (releases: number): number => Math.min(3600, 2 ** releases);

/**
 * Runs handlers for jobs from the given tubes on lanes, and emits what happened to each
 * job. Success deletes the job; failure releases it with a backoff delay, or buries it
 * once `maxAttempts` is reached (attempts count from the server's `releases`, so they
 * survive restarts). Unsubscribing, or `stop`, shuts down gracefully.
 */
export function work(options: WorkOptions): Observable<WorkerEvent> {
  return new Observable<WorkerEvent>((subscriber) => {
    const stop$ = new Subject<void>();
    const kill$ = new Subject<void>();
    const done$ = new Subject<void>();
    const concurrency = options.concurrency ?? 1;
    const grace = options.gracePeriodMs ?? 30000;

    const streams = Object.entries(options.tubes).map(([tube, handler]) =>
      options.client
        .watch(tube)
        .reserve({ concurrency, connections: options.connections, until: stop$ })
        .pipe(mergeMap((job) => observed(options, tube, job, runJob(job, tube, handler, options)), concurrency)),
    );
    let stopping = false;
    let done = false;
    const stopOnce = () => {
      if (stopping || done) return;
      stopping = true;
      // Armed before stop$ fires: with nothing in flight, stopping ends every stream at once,
      // and done$ does not replay (a timer armed after it would hold the process for `grace`).
      timer(grace)
        .pipe(takeUntil(done$))
        .subscribe(() => kill$.next());
      stop$.next();
    };
    const stopSubscription = options.stop?.subscribe(stopOnce);
    const inner = merge(...streams)
      .pipe(takeUntil(kill$))
      .subscribe({
        next: (event) => !subscriber.closed && subscriber.next(event),
        error: (error: unknown) => {
          done = true;
          done$.next();
          subscriber.error(error);
        },
        complete: () => {
          done = true;
          done$.next();
          subscriber.complete();
        },
      });
    return () => {
      stopSubscription?.unsubscribe();
      // Unsubscribing is a stop, not a kill: in-flight handlers may still settle their jobs.
      if (!inner.closed) stopOnce();
    };
  });
}

/** Telemetry hook: the client's instrumentation (e.g. a process span) wraps the job's handling. */
function observed(options: WorkOptions, tube: string, job: Job, handling: Observable<WorkerEvent>) {
  const telemetry = options.client.telemetry;
  return telemetry?.processJob ? telemetry.processJob(tube, job, handling) : handling;
}

function runJob(job: Job, tube: string, handler: Handler, options: WorkOptions): Observable<WorkerEvent> {
  const reservedAt = Date.now();
  const touches: Observable<WorkerEvent> =
    options.autoTouch === false
      ? EMPTY
      : keepTouching(job, reservedAt).pipe(map(() => ({ type: 'touched', tube, job })));
  const outcome: Observable<WorkerEvent> = defer(() => toObservable(handler(job))).pipe(
    defaultIfEmpty(undefined),
    last(),
    mergeMap((result) => job.delete().pipe(map((): WorkerEvent => ({ type: 'succeeded', tube, job, result })))),
    catchError((error: unknown) =>
      job.settled ? settleFailed(job, tube, error) : retryOrBury(job, tube, error, options),
    ),
  );
  const done$ = new Subject<void>();
  return concat(
    of<WorkerEvent>({ type: 'reserved', tube, job }),
    merge(touches.pipe(takeUntil(done$)), defer(() => outcome).pipe(finalizeWith(done$))),
  );
}

/** Completes `signal` when the source ends, so the touch loop stops with the handler. */
function finalizeWith<T>(signal: Subject<void>) {
  return (source: Observable<T>) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          signal.next();
          subscriber.error(error);
        },
        complete: () => {
          signal.next();
          subscriber.complete();
        },
      }),
    );
}

function toObservable(result: unknown): Observable<unknown> {
  if (result instanceof Observable) return result;
  if (result && typeof (result as PromiseLike<unknown>).then === 'function')
    return from(result as PromiseLike<unknown>);
  if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return from(result as AsyncIterable<unknown>);
  }
  return of(result);
}

function settleFailed(job: Job, tube: string, error: unknown): Observable<WorkerEvent> {
  return of({ type: 'settle-failed', tube, job, error });
}

/** Release with backoff, or bury once attempts run out; the attempt count comes from the server. */
function retryOrBury(job: Job, tube: string, error: unknown, options: WorkOptions): Observable<WorkerEvent> {
  return job.stats().pipe(
    catchError(() => of({ releases: 0, pri: DEFAULT_PRIORITY })),
    mergeMap((stats) => {
      const attempt = Number(stats.releases) + 1;
      const failed: WorkerEvent = { type: 'failed', tube, job, error, attempt };
      const priority = Number(stats.pri);
      if (attempt >= (options.maxAttempts ?? 5)) {
        return concat(
          of(failed),
          job.bury(options.buryPriority ?? priority).pipe(map((): WorkerEvent => ({ type: 'buried', tube, job }))),
        );
      }
      const delay = (options.backoff ?? defaultBackoff)(Number(stats.releases));
      return concat(
        of(failed),
        job
          .release({ priority: options.releasePriority ?? priority, delay })
          .pipe(map((): WorkerEvent => ({ type: 'retried', tube, job, delay }))),
      );
    }),
    catchError((settleError: unknown) => settleFailed(job, tube, settleError)),
  );
}
