import type { Command } from 'commander';
import { catchError, firstValueFrom, forkJoin, map, of, throwError } from 'rxjs';
import { NotFoundError } from '../../protocol/errors.js';
import type { Cli } from '../context.js';
import { ExitCode } from '../exit.js';
import { parseJobId } from '../parse.js';
import type { Act } from '../program.js';

/** Adds `rxbs delete` to the program. */
export function registerDelete(program: Command, act: Act): void {
  program
    .command('delete')
    .description('delete jobs by id (ready, delayed or buried; not one a worker holds)')
    .argument('<id...>', 'job ids', (value: string, previous: number[] = []) => [...previous, parseJobId(value)])
    .option('--json', 'print {"deleted":[ids],"notFound":[ids]} as JSON')
    .addHelpText('after', '\nExamples:\n  $ rxbs delete 42\n  $ rxbs delete 42 43 44')
    .action(act(deleteJobs));
}

/** Deletes every id in one pipelined write; exit code 3 if any was not there. */
async function deleteJobs(cli: Cli, [ids]: [number[]], options: { json?: boolean }): Promise<number> {
  const list = ids;
  const client = cli.client();
  const outcomes = await firstValueFrom(
    forkJoin(
      list.map((id) =>
        client.delete(id).pipe(
          map(() => true),
          catchError((error: unknown) => (error instanceof NotFoundError ? of(false) : throwError(() => error))),
        ),
      ),
    ),
  );
  const deleted = list.filter((_, i) => outcomes[i]);
  const missing = list.filter((_, i) => !outcomes[i]);
  if (options.json) cli.printJson({ deleted, notFound: missing });
  else {
    for (const id of deleted) cli.print(`deleted job ${id}`);
    for (const id of missing) cli.note(`rxbs: job ${id} not found (or a worker holds it)`);
  }
  return missing.length > 0 ? ExitCode.notFound : ExitCode.ok;
}
