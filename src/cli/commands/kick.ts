import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import { rethrowNotFound } from '../exit.js';
import { parseCount, parseJobId, parseTube } from '../parse.js';
import type { Act } from '../program.js';

/** Adds `rxbs kick` and `rxbs kick-job` to the program. */
export function registerKick(program: Command, act: Act): void {
  program
    .command('kick')
    .description('move up to N buried jobs (or, when none is buried, delayed jobs) to ready')
    .argument('[n]', 'at most this many (default 1)', parseCount, 1)
    .option('-t, --tube <tube>', 'the tube', parseTube, 'default')
    .option('--json', 'print {"tube","kicked"} as JSON')
    .addHelpText('after', '\nExamples:\n  $ rxbs kick --tube emails\n  $ rxbs kick 1000 --tube emails')
    .action(act(kick));
  program
    .command('kick-job')
    .description('move one buried or delayed job to ready')
    .argument('<id>', 'the job id', parseJobId)
    .option('--json', 'print {"id","kicked"} as JSON')
    .addHelpText('after', '\nExample:\n  $ rxbs kick-job 42')
    .action(act(kickJob));
}

async function kick(cli: Cli, [bound]: [number], options: { tube: string; json?: boolean }): Promise<void> {
  const kicked = await firstValueFrom(cli.client().tube(options.tube).kick(bound));
  if (options.json) cli.printJson({ tube: options.tube, kicked });
  else cli.print(`kicked ${kicked} job${kicked === 1 ? '' : 's'} in tube ${options.tube}`);
}

async function kickJob(cli: Cli, [id]: [number], options: { json?: boolean }): Promise<void> {
  await firstValueFrom(cli.client().kickJob(id), { defaultValue: undefined }).catch(
    rethrowNotFound(`job ${id} not found, or neither buried nor delayed`),
  );
  if (options.json) cli.printJson({ id, kicked: true });
  else cli.print(`kicked job ${id}`);
}
