import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import { ExitCode, notFound, usageError } from '../exit.js';
import { jobJson } from '../format.js';
import { parseTimeout, parseTube } from '../parse.js';
import type { Act } from '../program.js';
import { onInterrupt } from '../signals.js';

interface ReserveOptions {
  readonly tube: string;
  readonly timeout?: number;
  readonly delete?: boolean;
  readonly release?: boolean;
  readonly bury?: boolean;
  readonly json?: boolean;
}

/** Adds `rxbs reserve` to the program. */
export function registerReserve(program: Command, act: Act): void {
  program
    .command('reserve')
    .description('take one job, print it, then delete, release or bury it')
    .option('-t, --tube <tube>', 'the tube to take it from', parseTube, 'default')
    .option('--timeout <seconds>', 'give up after this long (exit code 3); default: wait', parseTimeout)
    .option('--delete', 'delete the job after printing it')
    .option('--release', 'release it at its own priority (the default)')
    .option('--bury', 'bury it at its own priority')
    .option('--json', 'print id, body and stats as JSON (body base64 when not UTF-8)')
    .addHelpText(
      'after',
      `
The body goes to stdout; what was done to the job goes to stderr.

Examples:
  $ rxbs reserve --tube emails --timeout 5 --delete
  $ rxbs reserve --tube emails --bury --json`,
    )
    .action(act(reserve));
}

async function reserve(cli: Cli, _args: [], options: ReserveOptions): Promise<number> {
  const actions = (['delete', 'release', 'bury'] as const).filter((action) => options[action] === true);
  if (actions.length > 1) throw usageError('choose one of --delete, --release and --bury');
  const action = actions[0] ?? 'release';
  const client = cli.client();
  let interrupted = false;
  // Ctrl-C while waiting: closing the client ends the reserve (nothing was taken).
  const stopListening = onInterrupt(() => {
    interrupted = true;
    void cli.close();
  });
  try {
    const job = await firstValueFrom(client.watch(options.tube).reserveOne({ timeout: options.timeout }), {
      defaultValue: undefined,
    }).catch((error: unknown) => {
      if (interrupted) return undefined;
      throw error;
    });
    if (interrupted) return ExitCode.interrupted;
    if (!job) throw notFound(`no job in tube ${options.tube} within ${options.timeout ?? 0}s`);
    const stats = await firstValueFrom(job.stats());
    if (options.json) cli.printJson({ ...jobJson(job.id, job.body, stats), action });
    else cli.io.stdout.write(job.body);
    const done =
      action === 'delete'
        ? job.delete()
        : action === 'bury'
          ? job.bury(stats.pri)
          : job.release({ priority: stats.pri });
    await firstValueFrom(done, { defaultValue: undefined });
    if (!options.json)
      cli.note(`job ${job.id}: ${action === 'delete' ? 'deleted' : action === 'bury' ? 'buried' : 'released'}`);
    return ExitCode.ok;
  } finally {
    stopListening();
  }
}
