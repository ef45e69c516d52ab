import { InvalidArgumentError as UsageArgumentError } from 'commander';
import type { Command } from 'commander';
import { startWebConsole } from '../web/index.js';
import type { Cli } from '../context.js';
import { usageError } from '../exit.js';
import { checkUrl, parseIntervalMs } from '../parse.js';
import type { Act } from '../program.js';
import { onInterrupt } from '../signals.js';

interface WebOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly interval: number;
}

function parsePort(value: string): number {
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new UsageArgumentError(`port must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}

/** Registers `rxbs web`: the web console, until Ctrl-C. */
export function registerWeb(program: Command, act: Act): void {
  // --url is the program's option (commander keeps only the last value): every one given
  // is collected here, so `rxbs web --url A --url B` shows both servers.
  const urls: string[] = [];
  program.on('option:url', (value: string) => urls.push(value));
  program
    .command('web')
    .description('a live console of the queues in the browser: counts, rates, peek, kick, pause, drain, move')
    .option('--host <host>', 'address to listen on; any but loopback requires a token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8080)
    .option('--token <token>', 'require this token on every request (16+ characters of A-Z a-z 0-9 . _ ~ -)')
    .option('--interval <ms>', 'time between updates pushed to the page', parseIntervalMs, 1000)
    .addHelpText(
      'after',
      `
Repeat --url to show several servers in one view. The page gets live counts pushed
(Server-Sent Events) and posts actions back with a token; see the README's "Web console".

Examples:
  $ rxbs web
  $ rxbs web --url beanstalk://127.0.0.1:11300 --url beanstalk://127.0.0.1:11301 --port 9000
  $ rxbs web --host 0.0.0.0            (prints a generated token; open the printed URL)`,
    )
    .action(
      act((cli: Cli, _args: [], options: WebOptions) =>
        web(cli, urls.length ? urls.map(serverUrl) : [cli.url], options),
      ),
    );
}

function serverUrl(url: string): string {
  try {
    return checkUrl(url.trim());
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

async function web(cli: Cli, urls: string[], options: WebOptions): Promise<void> {
  const running = await startWebConsole({
    urls,
    host: options.host,
    port: options.port,
    token: options.token,
    intervalMs: options.interval,
  });
  cli.print(`rxbs web: ${urls.join(', ')} at ${running.url}`);
  if (running.tokenGenerated) cli.note(`rxbs web: generated token ${running.token ?? ''}; every request needs it`);
  await new Promise<void>((resolve) => {
    const off = onInterrupt(() => {
      off();
      resolve();
    });
  });
  await running.close();
}
