import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Beanstalk, Job } from '../../client/index.js';
import { NotFoundError } from '../../protocol/errors.js';
import type { TubeStats } from '../../protocol/stats.js';

const maybe = <T>(source: Observable<T>): Promise<T | undefined> => firstValueFrom(source, { defaultValue: undefined });

/** The promise's value, or undefined when the server said NOT_FOUND (somebody else took the job). */
export async function unlessGone<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

const deleted = (client: Beanstalk, id: number): Promise<boolean | undefined> =>
  unlessGone(lastValueFrom(client.delete(id), { defaultValue: undefined }).then(() => true));

/** The tube's counters, or undefined when the tube does not exist (nothing to do). */
const tubeStats = (client: Beanstalk, tube: string): Promise<TubeStats | undefined> =>
  unlessGone(firstValueFrom(client.tube(tube).stats()));

const STATES = [
  ['ready', 'currentJobsReady'],
  ['delayed', 'currentJobsDelayed'],
  ['buried', 'currentJobsBuried'],
] as const;

/** The next job of a tube in a state: what peek-ready, peek-delayed or peek-buried finds. */
export function peek(client: Beanstalk, tube: string, state: 'ready' | 'delayed' | 'buried'): Observable<Job> {
  const t = client.tube(tube);
  return state === 'ready' ? t.peekReady() : state === 'delayed' ? t.peekDelayed() : t.peekBuried();
}

/**
 * Deletes the tube's ready, delayed and buried jobs (reserved ones belong to their
 * workers). Each delete goes out in the same write as the next peek, one round trip a
 * job; it stops after as many jobs as the tube held at the start, so a busy producer
 * cannot keep it running. Works on a paused tube. Returns how many it deleted.
 */
export async function drainTube(client: Beanstalk, tube: string): Promise<number> {
  const stats = await tubeStats(client, tube);
  let count = 0;
  for (const [state, key] of STATES) {
    let budget = stats?.[key] ?? 0;
    let job = budget > 0 ? await maybe(peek(client, tube, state)) : undefined;
    while (job !== undefined && budget-- > 0) {
      const [gone, next] = await Promise.all([
        deleted(client, job.id),
        budget > 0 ? maybe(peek(client, tube, state)) : undefined,
      ]);
      if (gone) count++;
      job = next;
    }
  }
  return count;
}

/** What a move did: jobs now in the target, and copies whose original somebody took meanwhile. */
export interface MoveResult {
  readonly moved: number;
  readonly duplicated: number;
}

/**
 * Moves buried jobs to another tube (on the same or another server), keeping body,
 * priority and TTR. Put first, delete after: a failure in between leaves a copy, never
 * a loss. Moves at most `limit` jobs and never more than the tube held at the start.
 */
export async function moveBuried(
  from: Beanstalk,
  source: string,
  to: Beanstalk,
  target: string,
  limit = Infinity,
): Promise<MoveResult> {
  const stats = await tubeStats(from, source);
  let budget = Math.min(limit, stats?.currentJobsBuried ?? 0);
  let moved = 0;
  let duplicated = 0;
  while (budget-- > 0) {
    const job = await maybe(from.tube(source).peekBuried());
    if (job === undefined) break;
    const jobStats = await unlessGone(firstValueFrom(from.statsJob(job.id)));
    if (jobStats === undefined) continue;
    await firstValueFrom(to.tube(target).put(job.body, { priority: jobStats.pri, ttr: jobStats.ttr }));
    if (await deleted(from, job.id)) moved++;
    else duplicated++;
  }
  return { moved, duplicated };
}
