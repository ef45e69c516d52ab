import { Command, CommanderError } from 'commander';
import { Cli, DEFAULT_URL } from './context.js';
import type { Io } from './context.js';
import { ExitCode, explain, usageError } from './exit.js';
import { checkUrl } from './parse.js';
import { registerBury } from './commands/bury.js';
import { registerDelete } from './commands/delete.js';
import { registerDrain } from './commands/drain.js';
import { registerKick } from './commands/kick.js';
import { registerMove } from './commands/move.js';
import { registerPause } from './commands/pause.js';
import { registerPeek } from './commands/peek.js';
import { registerPut } from './commands/put.js';
import { registerReserve } from './commands/reserve.js';
import { registerStats } from './commands/stats.js';
import { registerTail } from './commands/tail.js';
import { registerTop } from './commands/top.js';
import { registerTubes } from './commands/tubes.js';
import { registerWeb } from './commands/web.js';

/** A command's work: gets the context, its positional arguments and options; returns an exit code. */
export type Handler<Options, Args extends unknown[]> = (
  cli: Cli,
  args: Args,
  options: Options,
) => Promise<number | void>;

/** Wires a handler into commander: builds the context, closes its clients, keeps the exit code. */
export type Act = <Options, Args extends unknown[]>(
  handler: Handler<Options, Args>,
) => (...params: unknown[]) => Promise<void>;

const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    the server refused the command, or another failure
  2    bad arguments or input (nothing was sent)
  3    not found: no such job or tube, or nothing to peek or reserve
  4    cannot connect, or the connection was lost
  5    not confirmed (answered no, or no terminal and no --yes)
  130  interrupted (Ctrl-C) before the work was done`;

const EXAMPLES_HELP = `
Examples:
  $ rxbs stats                                 every tube: ready, reserved, delayed, buried ...
  $ rxbs put --tube emails '{"to":"ada@example.com"}'
  $ rxbs peek buried --tube emails --json
  $ rxbs kick 100 --tube emails
  $ rxbs drain emails --buried --yes
  $ rxbs move --tube emails --to-tube emails-retry --state buried --yes
  $ rxbs top
  $ rxbs web --url beanstalk://127.0.0.1:11300 --url beanstalk://127.0.0.1:11301
  $ BEANSTALKD_URL=unix:/run/beanstalkd.sock rxbs tubes`;

/** The whole command line; returns the exit code instead of exiting, so specs and scripts can call it. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let url = io.env.BEANSTALKD_URL || DEFAULT_URL;
  const program = new Command('rxbs');
  const act: Act =
    (handler) =>
    async (...params) => {
      const command = params[params.length - 1] as Command;
      try {
        url = checkUrl((command.optsWithGlobals<{ url: string }>().url ?? url).trim());
      } catch (error) {
        throw usageError((error as Error).message);
      }
      const cli = new Cli(url, io);
      try {
        exitCode = (await handler(cli, command.processedArgs as never, command.opts<never>())) ?? ExitCode.ok;
      } finally {
        await cli.close();
      }
    };
  program
    .description('Look at and fix beanstalkd queues: stats, peek, kick, drain, move, a live top.')
    .option('-u, --url <url>', 'server: beanstalk://host:port, beanstalks://host:port (TLS) or unix:/path', url)
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `${EXAMPLES_HELP}\n\nEnvironment:\n  BEANSTALKD_URL  the server when --url is not given (default ${DEFAULT_URL})\n${EXIT_CODES_HELP}`,
    )
    .exitOverride();
  for (const register of [
    registerStats,
    registerTubes,
    registerPut,
    registerPeek,
    registerKick,
    registerDelete,
    registerBury,
    registerPause,
    registerTail,
    registerReserve,
    registerDrain,
    registerMove,
    registerTop,
    registerWeb,
  ]) {
    register(program, act);
  }
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const done =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help';
      return done ? ExitCode.ok : ExitCode.usage;
    }
    const { message, exitCode: code } = explain(error, url);
    io.stderr.write(`rxbs: ${message}\n`);
    if (io.env.RXBS_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return code;
  }
}
