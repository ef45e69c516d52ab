import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { firstValueFrom } from 'rxjs';
import type { Cli } from '../context.js';
import { usageError } from '../exit.js';
import { parsePriority, parseSeconds, parseTtr, parseTube } from '../parse.js';
import type { Act } from '../program.js';

interface PutOptions {
  readonly tube: string;
  readonly file?: string;
  readonly priority?: number;
  readonly delay?: number;
  readonly ttr?: number;
  readonly json?: boolean;
}

/** Adds `rxbs put` to the program. */
export function registerPut(program: Command, act: Act): void {
  program
    .command('put')
    .description('put a job; prints its id')
    .argument('[body]', 'the body (else --file, else stdin)')
    .option('-t, --tube <tube>', 'tube to put into', parseTube, 'default')
    .option('-f, --file <path>', 'read the body from a file')
    .option('-p, --priority <n>', 'priority, 0 most urgent (default 1024)', parsePriority)
    .option('-d, --delay <seconds>', 'seconds before the job is ready (default 0)', parseSeconds)
    .option('--ttr <seconds>', 'seconds a worker may hold it (default 60)', parseTtr)
    .option('--json', 'print {"id","tube"} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ rxbs put --tube emails '{"to":"ada@example.com"}'
  $ rxbs put --tube images --file photo.jpg --priority 10 --ttr 300
  $ echo hello | rxbs put --delay 30`,
    )
    .action(act(put));
}

async function put(cli: Cli, [body]: [string | undefined], options: PutOptions): Promise<void> {
  const bytes = await readBody(cli, body, options.file);
  const id = await firstValueFrom(
    cli.client().tube(options.tube).put(bytes, { priority: options.priority, delay: options.delay, ttr: options.ttr }),
  );
  if (options.json) cli.printJson({ id, tube: options.tube });
  else cli.print(String(id));
}

async function readBody(cli: Cli, body: string | undefined, file: string | undefined): Promise<Buffer> {
  if (body !== undefined && file !== undefined) throw usageError('give the body as an argument or --file, not both');
  if (body !== undefined) return Buffer.from(body, 'utf8');
  if (file !== undefined) {
    return readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw usageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
  }
  if (cli.io.stdin.isTTY) throw usageError('no body: give it as an argument, with --file, or on stdin (a pipe)');
  const chunks: Buffer[] = [];
  for await (const chunk of cli.io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
