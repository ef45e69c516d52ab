import type { Observable } from 'rxjs';
import type { Beanstalk } from '../client/index.js';
import { NotFoundError } from '../protocol/errors.js';
import type { JobStats } from '../protocol/stats.js';
import type { MovableState } from './parse.js';

/*
 * Finding a tube's jobs without reserving them. beanstalkd lists no jobs (only the head of
 * each state, by peek), but job ids are consecutive numbers, and `stats-job` on any id says
 * its tube and state. So a scan peeks the heads of the wanted states, then reads stats-job
 * for windows of ids from the lowest head upwards, pipelined (two windows in flight), and
 * hands each window's matches to the caller while the next window is read. A window with no
 * match ends the round; once the caller's work on it is done, the heads are peeked again
 * (they point at whatever the scan skipped: lower ids of a lower priority, ids past a gap).
 * It ends when no head is left, or when a round finds nothing it had not already handed out.
 */
/** How a scan reads: window sizes, when to stop, how many jobs to expect. */
export interface ScanOptions {
  /** Ids read per window at first; grows while windows are full of matches. */
  readonly firstWindow?: number;
  readonly maxWindow?: number;
  /** Asked between windows: true stops the scan (Ctrl-C). */
  readonly stopped?: () => boolean;
  /**
   * How many jobs the caller expects to find (the tube's counts): no window is read ahead
   * once the windows in flight could hold them all, so little is read past the last job.
   */
  readonly expected?: number;
}

/** Work on one window's matching jobs; its commands leave with the next window's stats-jobs. */
export type BatchHandler = (jobs: JobStats[]) => Promise<unknown>;

const IN_FLIGHT_WINDOWS = 2;
/** Windows of matches being worked on at once; with 4,096-id windows, some 8,000 jobs at most. */
const MAX_PENDING_BATCHES = 2;

/** Hands every job of `tube` in `states` to `handle`, window by window, as described above. */
export async function scanTube(
  client: Beanstalk,
  tube: string,
  states: readonly MovableState[],
  handle: BatchHandler,
  options: ScanOptions = {},
): Promise<void> {
  const claimed = new Set<number>();
  const work: Promise<unknown>[] = [];
  const stopped = options.stopped ?? (() => false);
  while (!stopped()) {
    const heads = await headIds(client, tube, states);
    if (heads.length === 0) return;
    let cursor = Math.min(...heads);
    let size = options.firstWindow ?? 256;
    let claimedThisRound = 0;
    // The windows in flight could hold every job still expected: reading ahead would read past the end.
    const enoughInFlight = (count: number) =>
      options.expected !== undefined && claimed.size + count * size >= options.expected;
    // No wider than the jobs still expected (at least 64 ids): the last window ends near the last job.
    const sizeFor = (wanted: number) =>
      options.expected === undefined ? wanted : Math.max(64, Math.min(wanted, options.expected - claimed.size));
    const windows: Promise<(JobStats | undefined)[]>[] = [];
    for (;;) {
      while (windows.length < IN_FLIGHT_WINDOWS && (windows.length === 0 || !enoughInFlight(windows.length))) {
        const count = sizeFor(size);
        windows.push(handled(statsWindow(client, cursor, count)));
        cursor += count;
      }
      const stats = await windows.shift()!;
      const matches = stats.filter(
        (job): job is JobStats =>
          job !== undefined && job.tube === tube && states.includes(job.state as MovableState) && !claimed.has(job.id),
      );
      for (const job of matches) claimed.add(job.id);
      if (matches.length > 0) work.push(handled(handle(matches)));
      // Backpressure: a slow handler (move's puts on a far server) holds the reads back.
      while (work.length > MAX_PENDING_BATCHES) await work.shift();
      claimedThisRound += matches.length;
      if (matches.length === 0 || stopped()) break;
      // All that was expected is found: the next round's peeks tell whether more came meanwhile.
      if (options.expected !== undefined && claimed.size >= options.expected) break;
      if (matches.length * 2 >= size) size = Math.min(size * 2, options.maxWindow ?? 4096);
    }
    await Promise.all(windows);
    await Promise.all(work.splice(0));
    if (claimedThisRound === 0) return;
  }
  await Promise.all(work);
}

/** Marks a promise as handled now (it is awaited later), so an early failure is no unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The ids at the head of each wanted state, peeked in one round trip. */
async function headIds(client: Beanstalk, tube: string, states: readonly MovableState[]): Promise<number[]> {
  const peeks = states.map((state) => {
    const t = client.tube(tube);
    return state === 'ready' ? t.peekReady() : state === 'delayed' ? t.peekDelayed() : t.peekBuried();
  });
  const jobs = await settleAll(peeks);
  return jobs.filter((job) => job !== undefined).map((job) => job.id);
}

/** stats-job for `count` ids from `first`, all sent at once; undefined where there is no job. */
function statsWindow(client: Beanstalk, first: number, count: number): Promise<(JobStats | undefined)[]> {
  const ids = Array.from({ length: count }, (_, i) => first + i).filter((id) => id <= Number.MAX_SAFE_INTEGER);
  return settleAll(ids.map((id) => client.statsJob(id)));
}

/**
 * Subscribes to every command in one tick (so they leave in one write) and resolves with
 * each one's value, undefined for nothing or NOT_FOUND; any other failure rejects.
 */
export function settleAll<T>(commands: readonly Observable<T>[]): Promise<(T | undefined)[]> {
  return new Promise((resolve, reject) => {
    const values = new Array<T | undefined>(commands.length);
    let left = commands.length;
    let failed = false;
    if (left === 0) resolve(values);
    const finish = () => {
      if (--left === 0 && !failed) resolve(values);
    };
    commands.forEach((command, i) =>
      command.subscribe({
        next: (value) => (values[i] = value),
        error: (error: Error) => {
          if (error instanceof NotFoundError) return finish();
          if (!failed) reject(error);
          failed = true;
        },
        complete: finish,
      }),
    );
  });
}
