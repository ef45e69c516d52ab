import { Observable, Subject, merge, mergeMap, takeUntil, timer } from 'rxjs';
import type { Job } from '../client/job.js';
import type { Reserver } from '../client/reserver.js';
import { buildOrFail } from '../client/build.js';
import { InvalidArgumentError } from '../protocol/errors.js';
import { AttemptCounter, checkWorkOptions } from './attempts.js';
import type { WorkerEvent } from './events.js';
import { runJob } from './run-job.js';
import type { Handler, JobRunEnv } from './run-job.js';

/** What `work()` runs: the client, a handler per tube, and how to retry, touch and stop. */
export interface WorkOptions {
  /** One client, or a pool of servers, whose lanes reserve the jobs; the worker never closes it. */
  readonly client: Reserver;
  /** A handler per tube: `handler(job, { tube, attempt, signal })`. */
  readonly tubes: Readonly<Record<string, Handler>>;
  /** Jobs worked at once per tube (each on its own lane). Default 1. */
  readonly concurrency?: number;
  /** Lanes per tube, each holding up to concurrency/connections jobs. Default: `concurrency`. */
  readonly connections?: number;
  /** Attempts before a failing job is buried. Default 5. A job kicked after it was buried gets as many again. */
  readonly maxAttempts?: number;
  /**
   * Seconds to delay a failed job, from how often it was released already in this round of
   * attempts. Default 2^releases, at most 1 h. Rounded to whole seconds, clamped to 0..2^32-1;
   * a result that is not a finite number fails the release (`settle-failed`, then the job is
   * released at once, its attempt counted).
   */
  readonly backoff?: (releases: number) => number;
  /** Priority for released jobs. Default: the job's own. */
  readonly releasePriority?: number;
  /** Priority for buried jobs. Default: the job's own. */
  readonly buryPriority?: number;
  /** Touch jobs whose handler runs long, so their TTR never expires mid-work. Default true. */
  readonly autoTouch?: boolean;
  /**
   * After a stop, how long in-flight handlers may take before their jobs are abandoned: each
   * gets an `abandoned` event, its handler's signal aborts, and the job returns to ready.
   * Default 30 s; `Infinity` waits for ever.
   */
  readonly gracePeriodMs?: number;
  /** Emits to stop: reserving stops at once, in-flight handlers finish and settle, then the lanes close. */
  readonly stop?: Observable<unknown>;
  /** Aborting is the same graceful stop as `stop`. */
  readonly signal?: AbortSignal;
}

/** The default retry delay: 2^releases seconds, at most an hour. */
export const defaultBackoff = (releases: number): number => Math.min(3600, 2 ** releases);

/**
 * Runs handlers for jobs from the given tubes on lanes, and emits what happened to each
 * job. Success deletes the job; failure releases it with a backoff delay, or buries it
 * once `maxAttempts` is reached. Attempts count from the server's `releases` (so they
 * survive restarts) since the job was last buried (so a kicked job starts afresh), with the
 * worker's own count as the fallback. Unsubscribing, `stop` or `signal` shut down gracefully.
 */
export function work(options: WorkOptions): Observable<WorkerEvent> {
  return new Observable<WorkerEvent>((subscriber) => {
    const checked = buildOrFail(() => checkWorkOptions(checkHandlers(options)), subscriber);
    if (!checked) return undefined;
    const env: JobRunEnv = {
      maxAttempts: checked.maxAttempts,
      backoff: options.backoff ?? defaultBackoff,
      releasePriority: options.releasePriority,
      buryPriority: options.buryPriority,
      autoTouch: options.autoTouch !== false,
      attempts: new AttemptCounter(checked.maxAttempts),
      inFlight: new Map(),
    };
    const stop$ = new Subject<void>();
    const kill$ = new Subject<void>();
    const done$ = new Subject<void>();
    const { concurrency, gracePeriodMs } = checked;

    const streams = Object.entries(options.tubes).map(([tube, handler]) =>
      options.client
        .watch(tube)
        .reserve({ concurrency, connections: options.connections, until: stop$ })
        .pipe(mergeMap((job) => observed(options, tube, job, runJob(job, tube, handler, env)), concurrency)),
    );
    /** The grace period is over: tell each running handler, then close the lanes (their jobs go back to ready). */
    const abandon = () => {
      for (const [job, { tube, controller }] of env.inFlight) {
        if (!subscriber.closed) subscriber.next({ type: 'abandoned', tube, job });
        controller.abort(new DOMException('the worker stopped and its grace period ran out', 'AbortError'));
      }
      kill$.next();
    };
    let stopping = false;
    let done = false;
    const stopOnce = () => {
      if (stopping || done) return;
      stopping = true;
      // Armed before stop$ fires: with nothing in flight, stopping ends every stream at once,
      // and done$ does not replay (a timer armed after it would hold the process for `grace`).
      if (Number.isFinite(gracePeriodMs)) timer(gracePeriodMs).pipe(takeUntil(done$)).subscribe(abandon);
      stop$.next();
    };
    const end = () => {
      done = true;
      done$.next();
    };
    const inner = merge(...streams)
      .pipe(takeUntil(kill$))
      .subscribe({
        next: (event) => !subscriber.closed && subscriber.next(event),
        error: (error: unknown) => {
          end();
          subscriber.error(error);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      });
    // Subscribed after the streams, so a stop that fires at once still reaches them.
    const stopSubscription = options.stop?.subscribe(stopOnce);
    const signal = options.signal;
    if (signal?.aborted) stopOnce();
    else signal?.addEventListener('abort', stopOnce, { once: true });
    return () => {
      stopSubscription?.unsubscribe();
      signal?.removeEventListener('abort', stopOnce);
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

/** A worker needs at least one tube, and a function to handle each one's jobs. */
function checkHandlers(options: WorkOptions): WorkOptions {
  const tubes = options.tubes as unknown;
  if (typeof tubes !== 'object' || tubes === null || Object.keys(tubes).length === 0) {
    throw new InvalidArgumentError('tubes must name at least one tube and its handler');
  }
  for (const [tube, handler] of Object.entries(tubes)) {
    if (typeof handler !== 'function') throw new InvalidArgumentError(`the handler of tube ${tube} must be a function`);
  }
  return options;
}
