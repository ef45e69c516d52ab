import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import { ExitCode, rethrowNotFound, usageError } from '../exit.js';
import { checkUrl, parseStates, parseTube } from '../parse.js';
import type { Act } from '../program.js';
import { scanTube } from '../scan.js';
import { onInterrupt } from '../signals.js';
import { Progress, confirm } from '../terminal.js';
import { stateCount } from './drain.js';
import { Mover } from '../mover.js';

interface MoveOptions {
  readonly tube: string;
  readonly toTube?: string;
  readonly to?: string;
  readonly state: ReturnType<typeof parseStates>;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/** Adds `rxbs move` to the program. */
export function registerMove(program: Command, act: Act): void {
  program
    .command('move')
    .description('move jobs to another tube or server, keeping body, priority, TTR and remaining delay')
    .requiredOption('-t, --tube <tube>', 'the tube to move jobs from', parseTube)
    .option('--to-tube <tube>', 'the tube to move them to (default: the same name)', parseTube)
    .option('--to <url>', 'the server to move them to (default: the same server)', checkUrl)
    .option('--state <states>', 'which jobs: ready, delayed, buried or a comma list', parseStates, ['ready'])
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print {"from","to","moved","byState","skipped","failed"} as JSON')
    .addHelpText(
      'after',
      `
Each job is put on the target first and deleted from the source only once the target
has it, so a crash or a kill in between leaves a job twice, never nowhere. A delayed job
keeps its remaining delay; a buried job is buried again on the target (put with a delay,
reserved by id and buried, so no worker sees it ready). A job a worker reserves
meanwhile stays where it was (its copy on the target is deleted again). Jobs are found
as by drain, without reserving them; puts and deletes are pipelined.

Examples:
  $ rxbs move --tube emails --to-tube emails-later --state delayed --yes
  $ rxbs move --tube emails --state buried,ready --to beanstalk://10.0.0.2:11300`,
    )
    .action(act(move));
}

async function move(cli: Cli, _args: [], options: MoveOptions): Promise<number> {
  const toTube = options.toTube ?? options.tube;
  const toUrl = options.to ?? cli.url;
  if (toTube === options.tube && toUrl === cli.url) throw usageError('nowhere to move to: give --to-tube or --to');
  const source = cli.client();
  const target = cli.client(toUrl);
  const before = await firstValueFrom(source.tube(options.tube).stats()).catch(
    rethrowNotFound(`tube ${options.tube} not found`),
  );
  const total = options.state.reduce((sum, state) => sum + stateCount(before, state), 0);
  const where = toUrl === cli.url ? `tube ${toTube}` : `tube ${toTube} on ${toUrl}`;
  const mover = new Mover(source, target, toTube);
  if (total > 0) {
    const breakdown = options.state.map((state) => `${stateCount(before, state)} ${state}`).join(', ');
    await confirm(
      cli,
      `Move ${total} jobs (${breakdown}) from tube ${options.tube} on ${cli.url} to ${where}?`,
      options.yes === true,
    );
    let stopped = false;
    const stopListening = onInterrupt(() => (stopped = true));
    const progress = new Progress(cli, `moving ${options.tube}`, total);
    mover.onMoved = () => progress.add(1);
    try {
      await scanTube(source, options.tube, options.state, (jobs) => mover.moveAll(jobs), {
        stopped: () => stopped,
        expected: total,
      });
    } finally {
      progress.end();
      stopListening();
    }
    if (stopped) mover.interrupted = true;
  }
  const { moved, byState, skipped, failed, interrupted } = mover;
  if (options.json) {
    cli.printJson({
      from: { url: cli.url, tube: options.tube },
      to: { url: toUrl, tube: toTube },
      moved,
      byState,
      skipped,
      failed,
      interrupted,
    });
  } else {
    const parts = options.state.map((state) => `${byState[state]} ${state}`).join(', ');
    cli.print(`moved ${moved} job${moved === 1 ? '' : 's'} from tube ${options.tube} to ${where} (${parts})`);
    if (skipped > 0) cli.note(`${skipped} skipped: deleted or taken by a worker while moving (left where they were)`);
    if (failed.length > 0) cli.note(`${failed.length} not moved (still in ${options.tube}): ${failed[0].error}`);
  }
  if (interrupted) return ExitCode.interrupted;
  return failed.length > 0 ? ExitCode.failed : ExitCode.ok;
}
