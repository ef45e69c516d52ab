import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../client/index.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../exit.js';
import { jobJson, preview } from '../format.js';
import { parseCount, parseIntervalMs, parseTube } from '../parse.js';
import type { Act } from '../program.js';
import { onInterrupt } from '../signals.js';
import { TailTracker } from '../tail-tracker.js';
import type { ReadyJob } from '../tail-tracker.js';

interface TailOptions {
  readonly tube: string;
  readonly interval: number;
  readonly count?: number;
  readonly json?: boolean;
}

/** Adds `rxbs tail` to the program. */
export function registerTail(program: Command, act: Act): void {
  program
    .command('tail')
    .description('print jobs as they become ready, without taking or changing them')
    .option('-t, --tube <tube>', 'the tube to follow', parseTube, 'default')
    .option('--interval <ms>', 'time between two looks', parseIntervalMs, 250)
    .option('-n, --count <n>', 'stop after printing this many jobs', parseCount)
    .option('--json', 'one JSON object per line: how, id, body, stats')
    .addHelpText(
      'after',
      `
How it works: tail never reserves, releases or buries, so no job's "reserves" or
"releases" counter moves and no worker loses a retry (other tools reserve each job
and release it). Job ids are handed out in order, so every --interval it asks the
server's total-jobs, reads stats-job for the ids created since (all in one
pipelined round trip, with the jobs it follows) and peeks the body of each job of
the tube that is ready, or already taken by a worker. Jobs it saw delayed, buried
or reserved are followed until they become ready (delay over, kicked, released).
A job put and deleted between two looks is counted on stderr, not shown. Jobs
already ready when tail starts are not printed.

Examples:
  $ rxbs tail --tube emails
  $ rxbs tail --tube emails --json | jq .body
  $ rxbs tail --tube emails --count 10`,
    )
    .action(act(tail));
}

async function tail(cli: Cli, _args: [], options: TailOptions): Promise<number> {
  const client = cli.client();
  let stopped = false;
  let wake: (() => void) | undefined;
  const stopListening = onInterrupt(() => {
    stopped = true;
    wake?.();
  });
  try {
    const tracker = new TailTracker(client, options.tube);
    await tracker.start(await headIds(cli.url, options.tube), 1000);
    // Said once tail has its bearings: jobs put from now on are shown (scripts may wait for it).
    cli.note(cli.errColours.dim(`following tube ${options.tube} on ${cli.url} (Ctrl-C stops)`));
    let printed = 0;
    while (!stopped) {
      const { ready, missed } = await tracker.look();
      for (const job of ready) {
        print(cli, job, options.json === true);
        if (options.count !== undefined && ++printed >= options.count) return ExitCode.ok;
      }
      if (missed > 0) cli.note(`(${missed} job${missed === 1 ? '' : 's'} came and went between two looks)`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.interval);
      });
    }
    return ExitCode.ok;
  } finally {
    stopListening();
  }
}

/**
 * The ids at the head of the tube's queues, from a client of their own: peeking makes a
 * connection use the tube, which would keep an empty tube alive while tail runs.
 */
async function headIds(url: string, tube: string): Promise<number[]> {
  const client = Beanstalk.connect(url, { name: 'rxbs-tail', reconnect: false, connectTimeoutMs: 5000 });
  try {
    const t = client.tube(tube);
    const heads = await Promise.all(
      [t.peekReady(), t.peekDelayed(), t.peekBuried()].map((peek) => firstValueFrom(peek, { defaultValue: undefined })),
    );
    return heads.flatMap((job) => (job ? [job.id] : []));
  } finally {
    await client.close();
  }
}

function print(cli: Cli, job: ReadyJob, json: boolean): void {
  const { stats, body, how } = job;
  if (json) return cli.printJsonLine({ how, ...jobJson(stats.id, body, stats) });
  const c = cli.colours;
  const time = new Date().toISOString().slice(11, 19);
  const head = `${c.dim(time)} ${c.bold(`#${stats.id}`)} ${c.cyan(how)} pri ${stats.pri} ttr ${stats.ttr} ${body.length} B`;
  const width = cli.io.stdout.columns ?? 0;
  const room = width > 0 ? Math.max(20, width - (time.length + String(stats.id).length + how.length + 40)) : 200;
  cli.print(`${head}  ${preview(body, room)}`);
}
