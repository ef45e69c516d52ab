import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Beanstalk } from '../../client/index.js';
import { NotFoundError } from '../../protocol/errors.js';
import type { JobStats, TubeStats } from '../../protocol/stats.js';
import type { Cli } from '../context.js';
import { ExitCode, rethrowNotFound } from '../exit.js';
import { JOB_STATES, parseTube } from '../parse.js';
import type { MovableState } from '../parse.js';
import type { Act } from '../program.js';
import { scanTube } from '../scan.js';
import { onInterrupt } from '../signals.js';
import { Progress, confirm } from '../terminal.js';

interface DrainOptions {
  readonly ready?: boolean;
  readonly delayed?: boolean;
  readonly buried?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/** Adds `rxbs drain` to the program. */
export function registerDrain(program: Command, act: Act): void {
  program
    .command('drain')
    .description("delete a tube's jobs: ready, delayed and buried ones (or just those named)")
    .argument('<tube>', 'the tube to empty', parseTube)
    .option('--ready', 'delete ready jobs')
    .option('--delayed', 'delete delayed jobs')
    .option('--buried', 'delete buried jobs')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print {"tube","deleted","byState","left"} as JSON')
    .addHelpText(
      'after',
      `
Jobs held by a worker (reserved) are left alone. Works on a paused tube. Deletes are
pipelined: the tube's jobs are found by reading stats-job for windows of ids from the
head of each queue (nothing is reserved), and each window's deletes leave with the
next window's reads.

Examples:
  $ rxbs drain emails                  asks first, then deletes ready, delayed and buried jobs
  $ rxbs drain emails --buried --yes   only the buried ones, without asking`,
    )
    .action(act(drain));
}

/** How many jobs a tube's stats show in `state`. */
export const stateCount = (stats: TubeStats | undefined, state: MovableState): number =>
  !stats
    ? 0
    : state === 'ready'
      ? stats.currentJobsReady
      : state === 'delayed'
        ? stats.currentJobsDelayed
        : stats.currentJobsBuried;

async function drain(cli: Cli, [tube]: [string], options: DrainOptions): Promise<number> {
  const named = JOB_STATES.filter((state) => options[state] === true);
  const states = named.length > 0 ? named : [...JOB_STATES];
  const client = cli.client();
  const before = await firstValueFrom(client.tube(tube).stats()).catch(rethrowNotFound(`tube ${tube} not found`));
  const total = states.reduce((sum, state) => sum + stateCount(before, state), 0);
  const byState = { ready: 0, delayed: 0, buried: 0 };
  if (total === 0) {
    if (options.json) cli.printJson({ tube, deleted: 0, byState, left: leftOf(before, states) });
    else cli.print(`nothing to delete: tube ${tube} has no ${states.join(', ')} jobs`);
    return ExitCode.ok;
  }
  const breakdown = states.map((state) => `${stateCount(before, state)} ${state}`).join(', ');
  await confirm(cli, `Delete ${total} jobs (${breakdown}) from tube ${tube} on ${cli.url}?`, options.yes === true);

  let stopped = false;
  const stopListening = onInterrupt(() => (stopped = true));
  const progress = new Progress(cli, `draining ${tube}`, total);
  try {
    await scanTube(client, tube, states, (jobs) => deleteAll(client, jobs, byState, progress), {
      stopped: () => stopped,
      expected: total,
    });
  } finally {
    progress.end();
    stopListening();
  }
  const deleted = byState.ready + byState.delayed + byState.buried;
  const after = await firstValueFrom(client.tube(tube).stats()).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined; // emptied and nobody uses it: gone
    throw error;
  });
  const left = leftOf(after, states);
  if (options.json) cli.printJson({ tube, deleted, byState, left, interrupted: stopped });
  else {
    const parts = states.map((state) => `${byState[state]} ${state}`).join(', ');
    cli.print(
      `deleted ${deleted} job${deleted === 1 ? '' : 's'} from tube ${tube} (${parts})${stopped ? ', interrupted' : ''}`,
    );
    const remaining = states.filter((state) => left[state] > 0).map((state) => `${left[state]} ${state}`);
    if (remaining.length > 0) cli.note(`left in ${tube}: ${remaining.join(', ')} (put, kicked or released meanwhile)`);
  }
  return stopped ? ExitCode.interrupted : ExitCode.ok;
}

function leftOf(stats: TubeStats | undefined, states: readonly MovableState[]): Record<MovableState, number> {
  const left = { ready: 0, delayed: 0, buried: 0 };
  for (const state of states) left[state] = stateCount(stats, state);
  return left;
}

/** Deletes a window's jobs (one pipelined write); a job gone or taken meanwhile is skipped. */
function deleteAll(
  client: Beanstalk,
  jobs: readonly JobStats[],
  byState: Record<MovableState, number>,
  progress: Progress,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = jobs.length;
    const finish = () => --left === 0 && resolve();
    for (const job of jobs) {
      client.delete(job.id).subscribe({
        complete: () => {
          byState[job.state as MovableState] += 1;
          progress.add(1);
          finish();
        },
        error: (error: Error) => (error instanceof NotFoundError ? finish() : reject(error)),
      });
    }
  });
}
