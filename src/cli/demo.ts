/**
 * A real producer → worker pipeline: puts jobs into a tube and works them off with a
 * reserve stream on 4 lanes. Without a server address it starts its own beanstalkd.
 *
 *   node dist/cjs/cli/demo.js [beanstalk://127.0.0.1:11300] [jobs]
 */
import { firstValueFrom, from, lastValueFrom, map, mergeMap, take, tap, timer, toArray } from 'rxjs';
import { Beanstalk } from '../client/index.js';
import { startBeanstalkd } from '../testing/index.js';

interface Email {
  readonly to: string;
  readonly n: number;
}

async function main(): Promise<void> {
  const [urlArg, countArg] = process.argv.slice(2);
  const server = urlArg ? undefined : await startBeanstalkd();
  const url = urlArg ?? (server as { url: string }).url;
  const count = Number(countArg ?? 200);
  console.log(`demo: ${count} jobs through ${url}${server ? ' (a beanstalkd started for this demo)' : ''}`);

  const bs = Beanstalk.connect(url, { name: 'demo' });
  const tube = bs.tube('demo-emails');
  const started = Date.now();

  // Producer: 200 puts pipelined on one connection, at most 50 outstanding.
  const ids = await lastValueFrom(
    from(Array.from({ length: count }, (_, n): Email => ({ to: `user${n}@example.com`, n }))).pipe(
      mergeMap((email) => tube.putJson(email, { ttr: 10 }), 50),
      toArray(),
    ),
  );
  console.log(`produced ${ids.length} jobs (ids ${Math.min(...ids)}..${Math.max(...ids)})`);

  // Worker: 4 lanes, so the server never sees more than 4 reserved jobs; each job is
  // "sent" (a short timer) and then deleted, which lets its lane reserve the next one.
  let peakReserved = 0;
  const done = await lastValueFrom(
    bs
      .watch(tube.name)
      .reserve({ concurrency: 4 })
      .pipe(
        mergeMap(
          (job) =>
            timer(2).pipe(
              mergeMap(() => job.delete()),
              map(() => job.json<Email>().n),
            ),
          4,
        ),
        tap((n) => n % 50 === 0 && void sampleReserved()),
        take(count),
        toArray(),
      ),
  );

  async function sampleReserved(): Promise<void> {
    const stats = await firstValueFrom(tube.stats());
    peakReserved = Math.max(peakReserved, stats.currentJobsReserved);
  }

  const stats = await firstValueFrom(tube.stats());
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `worked ${done.length} jobs in ${seconds.toFixed(2)} s; tube now has ${stats.currentJobsReady} ready, ` +
      `${stats.currentJobsReserved} reserved (peak sampled: ${peakReserved} ≤ 4 lanes)`,
  );
  await bs.close();
  await server?.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
