/**
 * JSON jobs: one type shared by producer and consumer, checked when a job arrives. A body that
 * is not valid JSON, or not the expected shape, never gets better by retrying: it is buried at
 * once for a person to look at (`rxbs peek buried --tube thumbnails`), and the rest go on.
 *
 *   npx tsx examples/json-jobs.ts [beanstalk://127.0.0.1:11300]
 */
import { Beanstalk } from 'rx-beanstalk';
import type { Job } from 'rx-beanstalk';
import { concatMap, defer, lastValueFrom, map, mergeMap, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { runFromCommandLine, stopSignal } from './run.js';

export const TUBE = 'thumbnails';

/** The job's body, as JSON. */
export interface Thumbnail {
  readonly image: string;
  readonly width: number;
}

export function isThumbnail(value: unknown): value is Thumbnail {
  const v = value as Partial<Thumbnail> | null;
  return typeof v === 'object' && v !== null && typeof v.image === 'string' && Number.isInteger(v.width);
}

/** Puts a thumbnail job; the type keeps producers honest. */
export const requestThumbnail = (bs: Beanstalk, job: Thumbnail): Observable<number> =>
  bs.tube(TUBE).putJson(job, { ttr: 120 });

export type Outcome = { readonly id: number; readonly made: string } | { readonly id: number; readonly buried: string };

/** The body as a Thumbnail, or why it is not one. */
function parse(job: Job): Thumbnail | string {
  let value: unknown;
  try {
    value = job.json();
  } catch {
    return `not JSON: ${JSON.stringify(job.text().slice(0, 40))}`;
  }
  return isThumbnail(value) ? value : `not a Thumbnail: ${job.text().slice(0, 40)}`;
}

/** Makes thumbnails, two at a time; emits what became of each job. */
export function makeThumbnails(bs: Beanstalk, until?: Observable<unknown>): Observable<Outcome> {
  return bs
    .watch(TUBE)
    .reserve({ concurrency: 2, until })
    .pipe(
      mergeMap((job) => {
        const thumbnail = parse(job);
        if (typeof thumbnail === 'string')
          return job.bury().pipe(map((): Outcome => ({ id: job.id, buried: thumbnail })));
        return defer(async () => {
          await new Promise((resolve) => setTimeout(resolve, 5)); // resizing...
          return `${thumbnail.image}@${thumbnail.width}w`;
        }).pipe(concatMap((made) => job.delete().pipe(map((): Outcome => ({ id: job.id, made })))));
      }, 2),
    );
}

/** Puts two good jobs and two bad ones, then works the tube until `until` emits (default: SIGTERM or SIGINT). */
export async function main(
  url: string,
  until: Observable<unknown> = stopSignal(),
  log: (line: string) => void = console.log,
): Promise<Outcome[]> {
  const bs = Beanstalk.connect(url, { name: 'thumbnails' });
  try {
    await lastValueFrom(requestThumbnail(bs, { image: 'cat.png', width: 200 }));
    await lastValueFrom(requestThumbnail(bs, { image: 'dog.png', width: 64 }));
    await lastValueFrom(bs.tube(TUBE).put('{"image": "broken.png", "width": '));
    await lastValueFrom(bs.tube(TUBE).putJson({ image: 'huge.png', width: 'wide' }));
    return await lastValueFrom(
      makeThumbnails(bs, until).pipe(
        tap((outcome) =>
          log(
            'made' in outcome
              ? `job ${outcome.id}: made ${outcome.made}`
              : `job ${outcome.id}: buried, ${outcome.buried}`,
          ),
        ),
        toArray(),
      ),
    );
  } finally {
    await bs.close();
  }
}

if (require.main === module) runFromCommandLine(main);
