import { setTimeout as sleep } from 'node:timers/promises';
import {
  Subject,
  catchError,
  throwError,
  concatMap,
  exhaustMap,
  from,
  interval,
  lastValueFrom,
  mergeMap,
  of,
  take,
  takeUntil,
  tap,
} from 'rxjs';
import type { Beanstalk } from '../../client/beanstalk.js';
import { NotFoundError } from '../../protocol/errors.js';
import { work } from '../../worker/work.js';
import type { WorkerEvent } from '../../worker/events.js';

/** What the demo knows at any moment: its own counts and the server's (from stats-tube). */
export interface DemoState {
  readonly total: number;
  readonly lanes: number;
  readonly maxAttempts: number;
  put: number;
  /** Jobs done on their first attempt, and after at least one retry. */
  doneFirstTry: number;
  doneAfterRetry: number;
  buried: number;
  /** Jobs still being worked when the grace period after the stop ran out (back to ready on the server). */
  abandoned: number;
  /** Handler runs, failed ones included; and of those, the runs of jobs done after a retry, and of buried jobs. */
  attempts: number;
  retryAttempts: number;
  buriedAttempts: number;
  server: { ready: number; reserved: number; delayed: number; buried: number; puts: number; deletes: number };
  peakReserved: number;
}

/** What the view is told: a new state to draw, or a line worth keeping (a failure, a retry, a burial). */
export interface DemoView {
  update(state: DemoState): void;
  note(line: string): void;
}

interface Invoice {
  readonly n: number;
  /** How long rendering it takes, in ms. */
  readonly ms: number;
  /** Flaky jobs fail on their first attempt; broken ones on every attempt, and end buried. */
  readonly fails?: 'once' | 'always';
}

const LANES = 4;
const MAX_ATTEMPTS = 3;
const SAMPLE_MS = 100;

function invoice(n: number): Invoice {
  const ms = 15 + ((n * 37) % 45);
  if (n % 20 === 7) return { n, ms, fails: 'once' };
  if (n % 20 === 13) return { n, ms, fails: 'always' };
  return { n, ms };
}

/**
 * Runs the demo on `tube`: a paced producer, a `work()` worker with retries and a bury after
 * MAX_ATTEMPTS, and a stats-tube sampler, until every job is deleted or buried.
 */
export async function runScenario(bs: Beanstalk, tubeName: string, total: number, view: DemoView): Promise<DemoState> {
  const tube = bs.tube(tubeName);
  const state: DemoState = {
    total,
    lanes: LANES,
    maxAttempts: MAX_ATTEMPTS,
    put: 0,
    doneFirstTry: 0,
    doneAfterRetry: 0,
    buried: 0,
    abandoned: 0,
    attempts: 0,
    retryAttempts: 0,
    buriedAttempts: 0,
    server: { ready: 0, reserved: 0, delayed: 0, buried: 0, puts: 0, deletes: 0 },
    peakReserved: 0,
  };
  const finished$ = new Subject<void>();
  const sample = () =>
    tube.stats().pipe(
      tap((s) => {
        state.server = {
          ready: s.currentJobsReady,
          reserved: s.currentJobsReserved,
          delayed: s.currentJobsDelayed,
          buried: s.currentJobsBuried,
          puts: s.totalJobs,
          deletes: s.cmdDelete,
        };
        state.peakReserved = Math.max(state.peakReserved, s.currentJobsReserved);
      }),
      // The tube exists only while it has jobs or watchers: before the first put it has neither.
      catchError((error: unknown) => (error instanceof NotFoundError ? of(undefined) : throwError(() => error))),
    );
  const sampler = interval(SAMPLE_MS)
    .pipe(
      exhaustMap(sample),
      tap(() => view.update(state)),
      takeUntil(finished$),
    )
    .subscribe({ error: () => undefined });

  // Producer: ten rounds of puts, 80 ms apart, so the worker starts while jobs still arrive.
  const perRound = Math.ceil(total / 10);
  const producer = lastValueFrom(
    interval(80).pipe(
      take(Math.ceil(total / perRound)),
      concatMap((round) => {
        const ns = Array.from({ length: Math.min(perRound, total - round * perRound) }, (_, i) => round * perRound + i);
        return from(ns).pipe(mergeMap((n) => tube.putJson(invoice(n), { ttr: 10 }), perRound));
      }),
      tap(() => {
        state.put++;
        view.update(state);
      }),
    ),
  );

  // Worker: the handler's context says which attempt this is (counted by the worker from the
  // server's `releases`), which decides whether a flaky job fails on purpose.
  const lastAttempt = new Map<number, number>();
  const stop$ = new Subject<void>();
  const worker = lastValueFrom(
    work({
      client: bs,
      tubes: {
        [tubeName]: async (job, { attempt, signal }) => {
          const { ms, fails } = job.json<Invoice>();
          state.attempts++;
          await sleep(ms, undefined, { signal }); // given up if the job is abandoned
          if (fails === 'always') throw new Error('customer record missing');
          if (fails === 'once' && attempt === 1) throw new Error('PDF renderer busy');
          return attempt;
        },
      },
      concurrency: LANES,
      maxAttempts: MAX_ATTEMPTS,
      backoff: () => 1, // whole seconds, as on the wire
      stop: stop$,
    }).pipe(
      tap((event) => {
        record(state, event, view, lastAttempt);
        if (state.doneFirstTry + state.doneAfterRetry + state.buried === total) stop$.next();
      }),
    ),
    { defaultValue: undefined },
  );

  await Promise.all([producer, worker]);
  finished$.next();
  sampler.unsubscribe();
  await lastValueFrom(sample(), { defaultValue: undefined });
  view.update(state);
  return state;
}

/** Counts one worker event; `lastAttempt` keeps each job's latest failed attempt as the worker counted it. */
function record(state: DemoState, event: WorkerEvent, view: DemoView, lastAttempt: Map<number, number>): void {
  const id = `job ${event.job.id}`;
  switch (event.type) {
    case 'succeeded':
      if (event.result === 1) state.doneFirstTry++;
      else {
        state.doneAfterRetry++;
        state.retryAttempts += Number(event.result);
        view.note(`${id} done on attempt ${String(event.result)}`);
      }
      break;
    case 'failed':
      lastAttempt.set(event.job.id, event.attempt);
      view.note(`${id} failed (attempt ${event.attempt}/${state.maxAttempts}): ${(event.error as Error).message}`);
      break;
    case 'retried':
      view.note(`${id} released, back in ${event.delay} s`);
      break;
    case 'buried':
      state.buried++;
      state.buriedAttempts += lastAttempt.get(event.job.id) ?? 0;
      view.note(`${id} buried: out of attempts`);
      break;
    case 'settle-failed':
      view.note(`${id} could not be settled: ${String(event.error)}`);
      break;
    case 'abandoned':
      state.abandoned++;
      view.note(`${id} abandoned: still running when the grace period ran out, back to ready`);
      break;
    case 'reserved':
    case 'touched':
      break;
    default: {
      const unknown: never = event; // a new kind of event must be counted here
      view.note(`${id}: ${(unknown as WorkerEvent).type}`);
    }
  }
  view.update(state);
}
