/**
 * Worker: handles "welcome-emails" jobs with `work()`. Four jobs at a time; a failing job is
 * released with an exponential backoff and buried after its third attempt; SIGTERM or SIGINT
 * stops it gracefully: reserving stops at once, the jobs in flight finish and are deleted,
 * then the client closes and the process exits by itself.
 *
 *   npx tsx examples/worker.ts [beanstalk://127.0.0.1:11300]
 */
import { Beanstalk, work } from 'rx-beanstalk';
import type { WorkOptions, WorkerEvent } from 'rx-beanstalk';
import { fromEvent, lastValueFrom, merge, tap } from 'rxjs';
import type { Observable } from 'rxjs';

export const TUBE = 'welcome-emails';

export interface Welcome {
  readonly to: string;
}

/** Stands in for an email service: addresses in the ".invalid" domain always fail. */
async function sendWelcome(email: Welcome): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (email.to.endsWith('.invalid')) throw new Error(`no such domain: ${email.to}`);
  return `welcomed ${email.to}`;
}

export interface WorkerOptions {
  /** Stops the worker. Default: SIGTERM or SIGINT. */
  readonly stop?: Observable<unknown>;
  /** Seconds before a failed job is retried. Default: 5 s, then 10 s. */
  readonly backoff?: WorkOptions['backoff'];
  readonly log?: (line: string) => void;
}

/** Works the tube until stopped; resolves once the last job in flight is settled and the client is closed. */
export async function main(url: string, options: WorkerOptions = {}): Promise<void> {
  const bs = Beanstalk.connect(url, { name: 'welcome-worker' });
  const log = options.log ?? console.log;
  const events = work({
    client: bs,
    tubes: { [TUBE]: (job) => sendWelcome(job.json<Welcome>()) },
    concurrency: 4,
    maxAttempts: 3,
    backoff: options.backoff ?? ((releases) => 5 * 2 ** releases),
    gracePeriodMs: 10_000, // jobs still running 10 s after the stop go back to ready
    stop: options.stop ?? merge(fromEvent(process, 'SIGTERM'), fromEvent(process, 'SIGINT')),
  });
  try {
    await lastValueFrom(events.pipe(tap((event) => log(describe(event)))), { defaultValue: undefined });
  } finally {
    await bs.close();
  }
}

function describe(event: WorkerEvent): string {
  const job = `job ${event.job.id}`;
  switch (event.type) {
    case 'failed':
      return `${job} failed (attempt ${event.attempt}): ${String(event.error)}`;
    case 'retried':
      return `${job} retried in ${event.delay} s`;
    case 'succeeded':
      return `${job} succeeded: ${String(event.result)}`;
    case 'settle-failed':
      return `${job} could not be settled: ${String(event.error)}`;
    default:
      return `${job} ${event.type}`;
  }
}

if (require.main === module) {
  const url = process.argv[2] ?? process.env.BEANSTALKD_URL ?? 'beanstalk://127.0.0.1:11300';
  console.log(`working "${TUBE}" on ${url}; Ctrl-C or SIGTERM stops gracefully`);
  main(url).then(
    () => console.log('stopped: every job in flight was settled'),
    (error: unknown) => {
      console.error(String(error));
      process.exitCode = 1;
    },
  );
}
