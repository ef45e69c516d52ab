import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import { rethrowNotFound } from '../exit.js';
import { parseSeconds, parseTube } from '../parse.js';
import type { Act } from '../program.js';

/** Adds `rxbs pause` to the program. */
export function registerPause(program: Command, act: Act): void {
  program
    .command('pause')
    .description('hand out no job from a tube for some seconds (0 ends a pause)')
    .argument('<tube>', 'the tube', parseTube)
    .argument('<seconds>', 'how long', parseSeconds)
    .option('--json', 'print {"tube","seconds"} as JSON')
    .addHelpText('after', '\nExamples:\n  $ rxbs pause emails 600\n  $ rxbs pause emails 0')
    .action(act(pause));
}

async function pause(cli: Cli, [tube, seconds]: [string, number], options: { json?: boolean }): Promise<void> {
  const name = tube;
  await firstValueFrom(cli.client().tube(name).pause(seconds), { defaultValue: undefined }).catch(
    rethrowNotFound(`tube ${name} not found`),
  );
  if (options.json) cli.printJson({ tube: name, seconds });
  else cli.print(`paused tube ${name} for ${seconds}s`);
}
