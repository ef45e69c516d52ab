/**
 * Batch consumer: collects up to 10 jobs, or whatever came within 200 ms, stores them in one
 * go (one multi-row INSERT, say), then deletes them. The reserve stream runs on 10 lanes, so
 * the server never sees more than 10 jobs reserved, and a batch never waits for jobs that
 * are held elsewhere.
 *
 *   npx tsx examples/batch-consumer.ts [beanstalk://127.0.0.1:11300]
 */
import { Beanstalk } from 'rx-beanstalk';
import type { Job } from 'rx-beanstalk';
import { bufferTime, concatMap, filter, forkJoin, from, lastValueFrom, map, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { runFromCommandLine, stopSignal } from './run.js';

export const TUBE = 'page-views';

export interface BatchOptions {
  /** Most jobs in one batch (and lanes reserving). Default 10. */
  readonly size?: number;
  /** How long a batch may wait to fill up, in ms. Default 200. */
  readonly maxWaitMs?: number;
  /** Stops reserving; the jobs already taken are still stored and deleted. */
  readonly until?: Observable<unknown>;
}

/** Stands in for a database: one write for the whole batch. */
async function storeRows(rows: string[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10 + rows.length));
}

/** Emits the job ids of each batch once it is stored and its jobs deleted. */
export function consumeBatches(bs: Beanstalk, options: BatchOptions = {}): Observable<number[]> {
  const size = options.size ?? 10;
  return bs
    .watch(TUBE)
    .reserve({ concurrency: size, until: options.until })
    .pipe(
      bufferTime(options.maxWaitMs ?? 200, null, size),
      filter((jobs) => jobs.length > 0), // bufferTime also emits empty batches when nothing came
      concatMap((jobs: Job[]) =>
        from(storeRows(jobs.map((job) => job.text()))).pipe(
          // Deleting frees each job's lane to reserve the next one.
          concatMap(() => forkJoin(jobs.map((job) => job.delete()))),
          map(() => jobs.map((job) => job.id)),
        ),
      ),
    );
}

/** Consumes batches until `until` emits (default: SIGTERM or SIGINT); resolves with the batches. */
export async function main(
  url: string,
  options: BatchOptions & { log?: (line: string) => void } = {},
): Promise<number[][]> {
  const bs = Beanstalk.connect(url, { name: 'batch-consumer' });
  const until = options.until ?? stopSignal();
  const log = options.log ?? console.log;
  try {
    return await lastValueFrom(
      consumeBatches(bs, { ...options, until }).pipe(
        tap((ids) => log(`stored a batch of ${ids.length}: ${ids.join(' ')}`)),
        toArray(),
      ),
    );
  } finally {
    await bs.close();
  }
}

if (require.main === module) runFromCommandLine(main);
