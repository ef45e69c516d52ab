import type { Command } from 'commander';
import { firstValueFrom } from 'rxjs';
import { monitor } from '../../monitor/index.js';
import type { TubeSnapshot } from '../../monitor/index.js';
import type { Cli } from '../context.js';
import { rethrowNotFound, usageError } from '../exit.js';
import { duration, keyValueLines, table } from '../format.js';
import { parseJobId, parseTube } from '../parse.js';
import type { Act } from '../program.js';

interface StatsOptions {
  readonly tube?: string;
  readonly job?: number;
  readonly server?: boolean;
  readonly json?: boolean;
}

/** Adds `rxbs stats` to the program. */
export function registerStats(program: Command, act: Act): void {
  program
    .command('stats')
    .description('every tube in a table (buried jobs highlighted), or one tube, job or the server')
    .option('-t, --tube <tube>', "one tube's stats", parseTube)
    .option('-j, --job <id>', "one job's stats", parseJobId)
    .option('-s, --server', "the server's stats")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Without options: one row per tube (ready, reserved, delayed, buried, urgent, waiting
workers, total jobs put, pause left), read with one pipelined round trip of stats-tube.

Examples:
  $ rxbs stats
  $ rxbs stats --tube emails
  $ rxbs stats --job 42 --json
  $ rxbs stats --server`,
    )
    .action(act(stats));
}

async function stats(cli: Cli, _args: [], options: StatsOptions): Promise<void> {
  const client = cli.client();
  const given = [options.tube !== undefined, options.job !== undefined, options.server === true].filter(Boolean);
  if (given.length > 1) throw usageError('give at most one of --tube, --job and --server');
  if (options.job !== undefined) {
    const job = await firstValueFrom(client.statsJob(options.job)).catch(
      rethrowNotFound(`job ${options.job} not found`),
    );
    return options.json ? cli.printJson(job) : keyValueLines(job).forEach((line) => cli.print(line));
  }
  if (options.tube !== undefined) {
    const tube = await firstValueFrom(client.tube(options.tube).stats()).catch(
      rethrowNotFound(`tube ${options.tube} not found`),
    );
    return options.json ? cli.printJson(tube) : keyValueLines(tube).forEach((line) => cli.print(line));
  }
  if (options.server) {
    const server = await firstValueFrom(client.stats());
    return options.json ? cli.printJson(server) : keyValueLines(server).forEach((line) => cli.print(line));
  }
  const snapshot = await firstValueFrom(monitor(client));
  if (options.json) return cli.printJson({ server: snapshot.server, tubes: snapshot.tubes.map((t) => t.stats) });
  const { server } = snapshot;
  const c = cli.colours;
  cli.print(
    c.bold(`beanstalkd ${server.version}`) +
      ` at ${cli.url}, up ${duration(server.uptime)}, ${plural(server.currentConnections, 'connection')}` +
      ` (${server.currentProducers} producers, ${server.currentWorkers} workers, ${server.currentWaiting} waiting)`,
  );
  for (const line of tubeTable(cli, snapshot.tubes)) cli.print(line);
}

/** The beanstalkd-tool style table; a tube with buried jobs stands out in red. */
export function tubeTable(cli: Cli, tubes: readonly TubeSnapshot[]): string[] {
  const c = cli.colours;
  const buried = (row: TubeSnapshot) => row.stats.currentJobsBuried > 0;
  return table(
    tubes,
    [
      { header: 'tube', value: (t) => t.name, align: 'left', paint: (s, t) => (buried(t) ? c.red(s) : s) },
      { header: 'ready', value: (t) => t.stats.currentJobsReady },
      { header: 'reserved', value: (t) => t.stats.currentJobsReserved },
      { header: 'delayed', value: (t) => t.stats.currentJobsDelayed },
      {
        header: 'buried',
        value: (t) => t.stats.currentJobsBuried,
        paint: (s, t) => (buried(t) ? c.bold(c.red(s)) : s),
      },
      { header: 'urgent', value: (t) => t.stats.currentJobsUrgent },
      { header: 'waiting', value: (t) => t.stats.currentWaiting },
      { header: 'total', value: (t) => t.stats.totalJobs },
      { header: 'paused', value: (t) => (t.stats.pauseTimeLeft > 0 ? duration(t.stats.pauseTimeLeft) : '-') },
    ],
    (header) => c.dim(header),
  );
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
