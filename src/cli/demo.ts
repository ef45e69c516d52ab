/**
 * `npm run demo`: a producer and a `work()` worker on a real beanstalkd, drawn live on a
 * terminal (plain lines elsewhere): a few jobs fail, are retried, and end buried; the
 * server's own counters are shown as they change and checked in the summary at the end.
 * Without an address it starts its own beanstalkd on a free loopback port.
 *
 *   node dist/cjs/cli/demo.js [beanstalk://127.0.0.1:11300] [jobs]
 */
import { spawnSync } from 'node:child_process';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../client/beanstalk.js';
import { BeanstalkError } from '../protocol/errors.js';
import { startBeanstalkd } from '../testing/beanstalkd.js';
import type { RunningBeanstalkd } from '../testing/beanstalkd.js';
import { runScenario } from './demo/scenario.js';
import { LiveView, PlainView, paint, summary } from './demo/view.js';

const USAGE = `usage: npm run demo [-- [beanstalk://host:port] [jobs]]

Without an address the demo starts its own beanstalkd on a free loopback port.
jobs: how many to put, 10..10000 (default 60).`;

/** Exit codes: 0 done and the server agrees, 1 failed, 2 bad arguments. */
class DemoError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function parseArgs(args: string[]): { url: string | undefined; jobs: number } {
  if (args.includes('--help') || args.includes('-h')) throw new DemoError(USAGE, 0);
  const url = args.find((arg) => /^[a-z]+:/.test(arg));
  const rest = args.filter((arg) => arg !== url);
  const jobs = Number(rest[0] ?? 60);
  if (rest.length > 1 || !Number.isInteger(jobs) || jobs < 10 || jobs > 10000) {
    throw new DemoError(`demo: bad arguments: ${args.join(' ')}\n\n${USAGE}`, 2);
  }
  return { url, jobs };
}

/** Starts a beanstalkd, or says in plain words what to install. */
async function startServer(): Promise<RunningBeanstalkd> {
  const binary = process.env.BEANSTALKD_BIN ?? 'beanstalkd';
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    throw new DemoError(
      `demo: beanstalkd is not installed (could not run "${binary}").\n` +
        'Install beanstalkd 1.12 or later and run the demo again:\n' +
        '  Debian, Ubuntu:  sudo apt-get install beanstalkd\n' +
        '  macOS:           brew install beanstalkd\n' +
        'or point the demo at a server you already run:  npm run demo -- beanstalk://127.0.0.1:11300',
    );
  }
  return startBeanstalkd();
}

async function main(): Promise<void> {
  const { url: given, jobs } = parseArgs(process.argv.slice(2));
  const server = given ? undefined : await startServer();
  const url = given ?? (server as RunningBeanstalkd).url;
  const tty = process.stdout.isTTY === true;
  const p = paint(tty && !process.env.NO_COLOR);
  const tube = `demo-invoices-${process.pid}`;
  // No reconnect: a demo that cannot reach its server should say so, not wait.
  const bs = Beanstalk.connect(url, { name: 'demo', reconnect: false, connectTimeoutMs: 3000 });
  const stopServer = () => void server?.stop();
  process.once('SIGINT', () => {
    if (tty) process.stdout.write('\x1b[?25h\n');
    stopServer();
    process.exit(130);
  });
  try {
    const version = await firstValueFrom(bs.stats()).then(
      (stats) => stats.version,
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new DemoError(
          `demo: cannot reach beanstalkd at ${url}\n  ${reason}\n` +
            'Is it running there? Without an address the demo starts a beanstalkd of its own: npm run demo',
        );
      },
    );
    console.log(
      `${p.bold('rx-beanstalk demo')}: ${jobs} invoices through ${url} ` +
        p.dim(`(beanstalkd ${version}${server ? ', started for this demo' : ''})`),
    );
    console.log(
      p.dim('a producer puts them; a work() worker renders 4 at a time; a few fail and are retried, some end buried\n'),
    );
    const started = Date.now();
    const live = tty ? new LiveView(process.stdout, p) : undefined;
    const view = live ?? new PlainView((line) => console.log(line));
    const state = await runScenario(bs, tube, jobs, view);
    live?.end();
    const result = summary(state, tube, (Date.now() - started) / 1000, p);
    console.log(`\n${result.text}`);
    if (!server) await cleanUp(bs, tube, state.buried);
    if (!result.agrees) throw new DemoError('demo: the server counted something else than the worker (see above)');
  } catch (error) {
    if (error instanceof BeanstalkError) throw new DemoError(`demo: ${error.message}`);
    throw error;
  } finally {
    await bs.close();
    await server?.stop();
  }
}

/** On a server that is not ours, deletes the buried jobs so the demo leaves nothing behind. */
async function cleanUp(bs: Beanstalk, tube: string, buried: number): Promise<void> {
  for (let i = 0; i < buried; i++) {
    const job = await firstValueFrom(bs.tube(tube).peekBuried(), { defaultValue: undefined });
    if (job) await firstValueFrom(bs.delete(job.id), { defaultValue: undefined });
  }
  if (buried > 0)
    console.log(`\n deleted the buried ${buried === 1 ? 'job' : 'jobs'}: this server is not the demo's own`);
}

main().then(
  () => undefined,
  (error: unknown) => {
    // People read this, not a stack trace: every failure the demo expects is a DemoError.
    if (error instanceof DemoError && error.exitCode === 0) console.log(error.message);
    else if (error instanceof DemoError) console.error(error.message);
    else console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof DemoError ? error.exitCode : 1;
  },
);
