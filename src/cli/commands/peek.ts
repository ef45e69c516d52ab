import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Job } from '../../client/index.js';
import { NotFoundError } from '../../protocol/errors.js';
import type { Cli } from '../context.js';
import { notFound, usageError } from '../exit.js';
import { jobJson } from '../format.js';
import { parseJobId, parseTube } from '../parse.js';
import type { Act } from '../program.js';

interface PeekOptions {
  readonly tube?: string;
  readonly json?: boolean;
}

/** Adds `rxbs peek` to the program. */
export function registerPeek(program: Command, act: Act): void {
  program
    .command('peek')
    .description('show a job without changing it: the body to stdout')
    .argument('<what>', 'ready, delayed, buried (the next one of that state in --tube), or a job id')
    .option('-t, --tube <tube>', 'the tube, for ready, delayed and buried (default "default")', parseTube)
    .option('--json', 'print id, body and stats as JSON (body base64 when not UTF-8)')
    .addHelpText(
      'after',
      `
Examples:
  $ rxbs peek ready --tube emails
  $ rxbs peek buried --tube emails --json
  $ rxbs peek 42 > job-42.bin`,
    )
    .action(act(peek));
}

async function peek(cli: Cli, [what]: [string], options: PeekOptions): Promise<void> {
  const client = cli.client();
  let source: Observable<Job>;
  let missing: string;
  const tube = options.tube ?? 'default';
  if (what === 'ready' || what === 'delayed' || what === 'buried') {
    const t = client.tube(tube);
    source = what === 'ready' ? t.peekReady() : what === 'delayed' ? t.peekDelayed() : t.peekBuried();
    missing = `no ${what} job in tube ${tube}`;
  } else {
    if (options.tube !== undefined) throw usageError('--tube goes with ready, delayed or buried, not with a job id');
    const id = toJobId(what);
    source = client.peek(id);
    missing = `job ${id} not found`;
  }
  const job = await firstValueFrom(source, { defaultValue: undefined });
  if (!job) throw notFound(missing);
  if (!options.json) {
    cli.io.stdout.write(job.body);
    return;
  }
  const stats = await firstValueFrom(client.statsJob(job.id)).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined; // deleted since the peek
    throw error;
  });
  cli.printJson(jobJson(job.id, job.body, stats));
}

function toJobId(text: string): number {
  try {
    return parseJobId(text);
  } catch {
    throw usageError(`peek what? ready, delayed, buried or a job id, not "${text}"`);
  }
}
