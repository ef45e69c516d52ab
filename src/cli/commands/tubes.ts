import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import type { Act } from '../program.js';

/** Adds `rxbs tubes` to the program. */
export function registerTubes(program: Command, act: Act): void {
  program
    .command('tubes')
    .description('list the tubes that exist, one per line')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ rxbs tubes\n  $ rxbs tubes --json')
    .action(act(tubes));
}

async function tubes(cli: Cli, _args: [], options: { json?: boolean }): Promise<void> {
  const names = await firstValueFrom(cli.client().listTubes());
  if (options.json) cli.printJson(names);
  else for (const name of names) cli.print(name);
}
