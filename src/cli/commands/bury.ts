import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Beanstalk } from '../../client/index.js';
import { NotFoundError } from '../../protocol/errors.js';
import type { Cli } from '../context.js';
import { parseCount, parseTube } from '../parse.js';
import type { Act } from '../program.js';

/** Adds `rxbs bury` to the program. */
export function registerBury(program: Command, act: Act): void {
  program
    .command('bury')
    .description('bury up to N ready jobs of a tube, each at its own priority')
    .argument('[n]', 'at most this many (default 1)', parseCount, 1)
    .option('-t, --tube <tube>', 'the tube', parseTube, 'default')
    .option('--json', 'print {"tube","buried":[ids]} as JSON')
    .addHelpText(
      'after',
      `
Each job is the tube's next ready one (peek-ready), reserved by id (reserve-job, which
works on a paused tube too) and buried with the priority it had. Its "reserves" counter
goes up by one, as for any bury.

Examples:
  $ rxbs bury --tube emails
  $ rxbs bury 10 --tube emails --json`,
    )
    .action(act(bury));
}

async function bury(cli: Cli, [count]: [number], options: { tube: string; json?: boolean }): Promise<void> {
  const client = cli.client();
  const buried: number[] = [];
  // A job a worker reserves between our peek and our reserve-job is skipped; bounded retries.
  for (let attempts = 0; buried.length < count && attempts < count * 2 + 10; attempts++) {
    const id = await buryNextReady(client, options.tube);
    if (id === null) break;
    if (id !== undefined) buried.push(id);
  }
  if (options.json) cli.printJson({ tube: options.tube, buried });
  else cli.print(`buried ${buried.length} job${buried.length === 1 ? '' : 's'} in tube ${options.tube}`);
}

/** The id buried; undefined when another client took the job first; null when nothing is ready. */
async function buryNextReady(client: Beanstalk, tube: string): Promise<number | null | undefined> {
  const head = await firstValueFrom(client.tube(tube).peekReady(), { defaultValue: undefined });
  if (!head) return null;
  try {
    const job = await firstValueFrom(client.reserveJob(head.id));
    const stats = await firstValueFrom(job.stats());
    await firstValueFrom(job.bury(stats.pri), { defaultValue: undefined });
    return job.id;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
