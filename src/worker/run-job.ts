import {
  EMPTY,
  Observable,
  Subject,
  catchError,
  concat,
  defaultIfEmpty,
  defer,
  finalize,
  from,
  ignoreElements,
  last,
  map,
  merge,
  mergeMap,
  of,
  takeUntil,
  tap,
} from 'rxjs';
import type { Job } from '../client/job.js';
import type { JobStats } from '../protocol/stats.js';
import { toDelay } from './attempts.js';
import type { AttemptCounter } from './attempts.js';
import type { WorkerEvent } from './events.js';
import { keepTouching } from './touch.js';

/** What a handler gets beside its job. */
export interface HandlerContext {
  /** The tube the job came from. */
  readonly tube: string;
  /**
   * 1 on the first try; counted since the job was last buried (see `work`). Exact for a
   * handler that declares this parameter; otherwise this worker's own count.
   */
  readonly attempt: number;
  /** Aborts when the grace period after a stop runs out and the job is abandoned: stop working then. */
  readonly signal: AbortSignal;
}

/**
 * Works one job; its result (an Observable, Promise, async iterable or plain value) decides
 * success. A handler that declares the `context` parameter is called once the job's stats
 * are read (one round trip), so its `attempt` is exact; a handler `(job) => ...` starts at
 * once, and the stats are read only if it fails.
 */
export type Handler = (job: Job, context: HandlerContext) => unknown;

/** What every job run of one worker shares. */
export interface JobRunEnv {
  readonly maxAttempts: number;
  readonly backoff: (releases: number) => number;
  readonly releasePriority: number | undefined;
  readonly buryPriority: number | undefined;
  readonly autoTouch: boolean;
  readonly attempts: AttemptCounter;
  /** Jobs whose handler or settle is under way, with the controller behind their signal. */
  readonly inFlight: Map<Job, { readonly tube: string; readonly controller: AbortController }>;
}

/**
 * One job's run: read its stats if the handler wants the attempt, run the handler while
 * touching the job, then delete it, or release it with a backoff, or bury it once attempts run out.
 * Whatever fails, the job ends settled on the server, so its lane moves on.
 */
export function runJob(job: Job, tube: string, handler: Handler, env: JobRunEnv): Observable<WorkerEvent> {
  return defer(() => {
    const reservedAt = Date.now();
    const controller = new AbortController();
    env.inFlight.set(job, { tube, controller });
    // Only a handler that takes the context waits a round trip for the stats before it starts.
    const statsFirst = handler.length >= 2;
    return concat(
      of<WorkerEvent>({ type: 'reserved', tube, job }),
      (statsFirst ? readStats(job) : of(undefined)).pipe(
        mergeMap((stats) => handle(job, tube, handler, env, { stats, statsFirst, reservedAt }, controller.signal)),
      ),
    ).pipe(finalize(() => env.inFlight.delete(job)));
  });
}

/** The job's stats, or undefined when stats-job fails (the worker's own count stands in). */
const readStats = (job: Job): Observable<JobStats | undefined> => job.stats().pipe(catchError(() => of(undefined)));

interface Start {
  readonly stats: JobStats | undefined;
  /** The stats were read before the handler (undefined stats then means stats-job failed). */
  readonly statsFirst: boolean;
  readonly reservedAt: number;
}

function handle(
  job: Job,
  tube: string,
  handler: Handler,
  env: JobRunEnv,
  { stats, statsFirst, reservedAt }: Start,
  signal: AbortSignal,
): Observable<WorkerEvent> {
  const attempt = env.attempts.attempt(job.id, stats);
  const touches: Observable<WorkerEvent> = env.autoTouch
    ? keepTouching(job, reservedAt, stats?.ttr).pipe(map(() => ({ type: 'touched', tube, job })))
    : EMPTY;
  const outcome: Observable<WorkerEvent> = defer(() => toObservable(handler(job, { tube, attempt, signal }))).pipe(
    defaultIfEmpty(undefined),
    last(),
    mergeMap((result) =>
      job.delete().pipe(
        tap({ complete: () => env.attempts.forget(job.id) }),
        map((): WorkerEvent => ({ type: 'succeeded', tube, job, result })),
      ),
    ),
    catchError((error: unknown) => {
      if (job.settled) return settleFailed(job, tube, error);
      if (statsFirst) return retryOrBury(job, tube, error, attempt, stats, env);
      return readStats(job).pipe(
        mergeMap((read) => retryOrBury(job, tube, error, env.attempts.attempt(job.id, read), read, env)),
      );
    }),
  );
  const done$ = new Subject<void>();
  return merge(touches.pipe(takeUntil(done$)), outcome.pipe(finalize(() => done$.next())));
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

/** Release with backoff, or bury once attempts run out. */
function retryOrBury(
  job: Job,
  tube: string,
  error: unknown,
  attempt: number,
  stats: JobStats | undefined,
  env: JobRunEnv,
): Observable<WorkerEvent> {
  env.attempts.failed(job.id, attempt);
  const failed: WorkerEvent = { type: 'failed', tube, job, error, attempt };
  // Without stats the job's own priority is still kept: release/bury learn it themselves.
  const priority = stats?.pri;
  const settle: Observable<WorkerEvent> = defer(() => {
    if (attempt >= env.maxAttempts) {
      return job.bury(env.buryPriority ?? priority).pipe(
        tap({ complete: () => env.attempts.forget(job.id) }),
        map((): WorkerEvent => ({ type: 'buried', tube, job })),
      );
    }
    const delay = toDelay(env.backoff(attempt - 1));
    return job
      .release({ priority: env.releasePriority ?? priority, delay })
      .pipe(map((): WorkerEvent => ({ type: 'retried', tube, job, delay })));
  });
  return concat(of(failed), settle.pipe(catchError((settleError: unknown) => settleFailed(job, tube, settleError))));
}

/**
 * Reports a failed delete/release/bury. When nothing was sent (the job is not settled),
 * the job is released as it is, so it never stays reserved by a lane that waits for it.
 */
function settleFailed(job: Job, tube: string, error: unknown): Observable<WorkerEvent> {
  const event = of<WorkerEvent>({ type: 'settle-failed', tube, job, error });
  if (job.settled || !job.reserved) return event;
  return concat(
    event,
    job.release().pipe(
      ignoreElements(),
      catchError(() => EMPTY),
    ),
  );
}
