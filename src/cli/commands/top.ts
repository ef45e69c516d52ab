import type { Command } from 'commander';
import { firstValueFrom, retry, take, timer, toArray } from 'rxjs';
import { monitor } from '../../monitor/index.js';
import type { MonitorSnapshot } from '../../monitor/index.js';
import type { Cli } from '../context.js';
import { ExitCode, explain, usageError } from '../exit.js';
import { parseIntervalMs, parseTube } from '../parse.js';
import type { Act } from '../program.js';
import { SORT_KEYS, SPARK_WIDTH, renderFrame } from '../top/frame.js';
import type { SortKey } from '../top/frame.js';
import { LiveScreen } from '../top/screen.js';

interface TopOptions {
  readonly interval: number;
  readonly sort: SortKey;
  readonly once?: boolean;
  readonly tube?: string[];
}

/** Adds `rxbs top` to the program. */
export function registerTop(program: Command, act: Act): void {
  program
    .command('top')
    .description('a live full-screen view of every tube and the server, refreshed every second')
    .option('--interval <ms>', 'time between samples', parseIntervalMs, 1000)
    .option('--sort <key>', `sort tubes by ${SORT_KEYS.join(', ')}`, parseSort, 'ready')
    .option('--tube <tube>', 'show only this tube (repeatable)', (value: string, list: string[] = []) => [
      ...list,
      parseTube(value),
    ])
    .option('--once', 'print one frame (after two samples, so rates are real) and exit')
    .addHelpText(
      'after',
      `
Keys: s sorts by the next key, q (or Ctrl-C) quits. Rates are per second, from the
server's counters between two samples; per tube, beanstalkd counts only puts and
deletes. The sparkline shows each tube's ready count over the last ${SPARK_WIDTH} samples.

Examples:
  $ rxbs top
  $ rxbs top --sort buried --interval 500
  $ rxbs top --once | head -20`,
    )
    .action(act(top));
}

function parseSort(value: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(value))
    throw usageError(`--sort takes one of ${SORT_KEYS.join(', ')}`);
  return value as SortKey;
}

/** Per tube, its ready counts, oldest first, at most SPARK_WIDTH of them. */
function record(history: Map<string, number[]>, snapshot: MonitorSnapshot): void {
  for (const name of snapshot.disappeared) history.delete(name);
  for (const tube of snapshot.tubes) {
    const series = history.get(tube.name) ?? [];
    series.push(tube.stats.currentJobsReady);
    if (series.length > SPARK_WIDTH) series.shift();
    history.set(tube.name, series);
  }
}

async function top(cli: Cli, _args: [], options: TopOptions): Promise<number> {
  // The first sample on a client that does not reconnect: a dead server is an error at once.
  await firstValueFrom(cli.client().stats());
  const history = new Map<string, number[]>();
  const monitorOptions = { intervalMs: options.interval, tubes: options.tube };
  if (options.once || !cli.interactive) {
    const snapshots = await firstValueFrom(
      monitor(cli.client(), monitorOptions).pipe(take(options.once ? 2 : 1), toArray()),
    );
    for (const each of snapshots) record(history, each);
    const snapshot = snapshots[snapshots.length - 1];
    const frame = renderFrame({
      url: cli.url,
      snapshot,
      history,
      sort: options.sort,
      width: cli.io.stdout.columns ?? 120,
      height: cli.interactive ? (cli.io.stdout.rows ?? 40) : Infinity,
      colours: cli.colours,
      now: new Date(),
      live: false,
    });
    for (const line of frame) cli.print(line.trimEnd());
    return ExitCode.ok;
  }
  return live(cli, options, history, monitorOptions);
}

async function live(
  cli: Cli,
  options: TopOptions,
  history: Map<string, number[]>,
  monitorOptions: { intervalMs: number; tubes?: string[] },
): Promise<number> {
  const client = cli.client(cli.url, { reconnect: true });
  const screen = new LiveScreen(cli.io);
  let sort = options.sort;
  let latest: MonitorSnapshot | undefined;
  let status: string | undefined;
  const draw = () => {
    if (!latest) return;
    screen.draw(
      renderFrame({
        url: cli.url,
        snapshot: latest,
        history,
        sort,
        status,
        width: screen.columns,
        height: screen.rows,
        colours: cli.colours,
        now: new Date(),
        live: true,
      }),
    );
  };
  return new Promise<number>((resolve) => {
    const subscription = monitor(client, monitorOptions)
      .pipe(
        retry({
          delay: (error: unknown) => {
            status = `${explain(error, cli.url).message}; retrying`;
            draw();
            return timer(options.interval);
          },
        }),
      )
      .subscribe((snapshot) => {
        latest = snapshot;
        status = undefined;
        record(history, snapshot);
        draw();
      });
    const stateSubscription = client.state$.subscribe((state) => {
      status = state === 'reconnecting' ? `connection to ${cli.url} lost; reconnecting` : status;
      draw();
    });
    screen.start({
      onKey: (key) => {
        if (key === 's') {
          sort = SORT_KEYS[(SORT_KEYS.indexOf(sort) + 1) % SORT_KEYS.length];
          draw();
        }
      },
      onResize: draw,
      onQuit: () => {
        subscription.unsubscribe();
        stateSubscription.unsubscribe();
        screen.stop();
        resolve(ExitCode.ok);
      },
    });
  });
}
