import { Beanstalk } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import { builtCli, runCli } from '../helpers/cli.js';
import { rawJobStats } from '../helpers/raw.js';
import { freshTube } from '../helpers/setup.js';
import { hasTmux, openTerminal } from '../helpers/tmux.js';
import { useBeanstalkdPool } from '../pool/servers.js';

/** The URL of a port where a beanstalkd just stopped: connecting is refused. */
async function deadUrl(): Promise<string> {
  const server = await startBeanstalkd();
  await server.stop();
  return server.url;
}

// rxbs stats and top over several servers (--url repeated, or BEANSTALKD_URL with commas),
// spawned as a user would, against two real beanstalkd servers.
describe('rxbs stats and top over several servers', () => {
  const ctx = useBeanstalkdPool(2);
  let dead: string;
  let tube: string;
  beforeAll(async () => {
    builtCli();
    dead = await deadUrl();
    // 2 ready on the first server; 3 ready and 1 buried on the second.
    tube = freshTube('pooled');
    const [a, b] = ctx.urls.map((url) => Beanstalk.connect(url));
    for (let i = 0; i < 2; i++) await a.tube(tube).put(`a${i}`);
    for (let i = 0; i < 4; i++) await b.tube(tube).put(`b${i}`);
    const job = await b.watch(tube).reserveOne();
    await job.bury();
    await Promise.all([a.close(), b.close()]);
  }, 180000);
  const urlArgs = (urls: readonly string[]) => urls.flatMap((url) => ['--url', url]);
  const row = (ready: number, buried: number) => new RegExp(`^${tube}\\s+${ready}\\s+0\\s+0\\s+${buried}\\s`, 'm');

  it('stats with --url twice: totals over both, and each server up', async () => {
    const [a, b] = ctx.urls;
    const { code, stdout, stderr } = await runCli([...urlArgs(ctx.urls), 'stats']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^beanstalkd 1\.\d+\S* on 2 servers, \d+ connections? /);
    expect(stdout).toContain(`\n  ${a}  up\n  ${b}  up\n`);
    expect(stdout).toMatch(row(5, 1));
  });

  it('stats --json from a comma-separated BEANSTALKD_URL (and --url after the command works too)', async () => {
    const env = { BEANSTALKD_URL: ctx.urls.join(',') };
    const fromEnv = await runCli(['stats', '--json'], { env });
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv.code).toBe(0);
    const parsed = JSON.parse(fromEnv.stdout) as {
      servers: { url: string; state: string }[];
      tubes: { name: string; currentJobsReady: number; currentJobsBuried: number }[];
    };
    expect(parsed.servers).toEqual(ctx.urls.map((url) => ({ url, state: 'up' })));
    expect(parsed.tubes.find((t) => t.name === tube)).toMatchObject({ currentJobsReady: 5, currentJobsBuried: 1 });
    const after = await runCli(['stats', '--tube', tube, '--json', ...urlArgs(ctx.urls)]);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ total: { currentJobsReady: 5, currentJobsBuried: 1 } });
  });

  it('stats with one server down: the totals of the others, and the down one named', async () => {
    const urls = [...ctx.urls, dead];
    const { code, stdout, stderr } = await runCli([...urlArgs(urls), 'stats']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/ on 3 servers \(1 down\), /);
    expect(stdout).toContain(`\n  ${dead}  DOWN\n`);
    expect(stdout).toMatch(row(5, 1));
    const server = await runCli([...urlArgs(urls), 'stats', '--server', '--json']);
    expect(server.code).toBe(0);
    const parsed = JSON.parse(server.stdout) as { total: { currentJobsBuried: number }; servers: unknown[] };
    expect(parsed.total.currentJobsBuried).toBeGreaterThanOrEqual(1);
    expect(parsed.servers).toEqual([...ctx.urls.map((url) => ({ url, state: 'up' })), { url: dead, state: 'down' }]);
  });

  it('stats with every server down fails with the connection exit code', async () => {
    const { code, stdout, stderr } = await runCli([...urlArgs([dead, await deadUrl()]), 'stats']);
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^rxbs: .*down/);
  });

  it('top --once over two servers: one frame of their totals; a down server is named', async () => {
    const both = await runCli([...urlArgs(ctx.urls), 'top', '--once', '--interval', '200']);
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(
      /^rxbs top {2}2 servers {2}beanstalkd 1\.\d+\S* {2}up \d+[smhd](?: \d+[smhd])* {2}\d\d:\d\d:\d\d\n/,
    );
    expect(both.stdout).toMatch(/ jobs: \d+ ready, \d+ reserved, \d+ delayed, \d+ buried$/m);
    expect(both.stdout).toMatch(new RegExp(`^${tube}\\s+5\\s+0\\s+0\\s+1\\s+0\\s`, 'm'));
    expect(both.stdout).not.toContain('down');

    const withDead = await runCli([...urlArgs([...ctx.urls, dead]), 'top', '--once', '--interval', '200']);
    expect(withDead.code).toBe(0);
    expect(withDead.stdout).toMatch(/^rxbs top {2}3 servers \(1 down\) {2}beanstalkd /);
    expect(withDead.stdout).toContain(`1 of 3 servers down: ${dead}`);
    expect(withDead.stdout).toMatch(new RegExp(`^${tube}\\s+5\\s+0\\s+0\\s+1\\s+0\\s`, 'm'));
  });

  it('a one-server command given several refuses with a usage error and sends nothing', async () => {
    const put = await runCli([...urlArgs(ctx.urls), 'put', '--tube', tube, 'not sent']);
    expect(put.code).toBe(2);
    expect(put.stderr).toMatch(/talks to one server, but 2 were given/);
    const job = await runCli(['stats', '--job', '1'], { env: { BEANSTALKD_URL: ctx.urls.join(',') } });
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(/--job takes one server/);
    // Still 2 and 4 jobs: the put went nowhere.
    const counts = await runCli([...urlArgs(ctx.urls), 'stats', '--tube', tube, '--json']);
    expect(JSON.parse(counts.stdout)).toMatchObject({ total: { totalJobs: 6 } });
    expect(await rawJobStats(ctx.servers[0].port, 3)).toBeUndefined();
  });

  it('a repeated server is a usage error', async () => {
    const { code, stderr } = await runCli([...urlArgs([ctx.urls[0], ctx.urls[0]]), 'stats']);
    expect(code).toBe(2);
    expect(stderr).toContain(`server ${ctx.urls[0]} is given twice`);
  });

  // Last: it stops and restarts the second server, which resets its counters.
  (hasTmux ? it : it.skip)(
    'live top over two servers in a real terminal (tmux): a server that stops is named, and back when it returns',
    async () => {
      const urls = ctx.urls;
      const urlFlags = urls.map((url) => `--url ${url}`).join(' ');
      const command = `${process.execPath} ${builtCli()} ${urlFlags} top --interval 200; echo "rxbs exited with $?"; sleep 60`;
      const terminal = openTerminal(command);
      try {
        let screen = await terminal.screenUntil((s) => s.includes(tube));
        expect(screen).toMatch(/^rxbs top {2}2 servers {2}beanstalkd/m);
        expect(screen).toMatch(new RegExp(`^${tube}\\s+5\\s+0\\s+0\\s+1\\s+0`, 'm'));
        // The second server goes away: the view carries on with the first one's counts.
        await ctx.servers[1].stop('SIGKILL');
        screen = await terminal.screenUntil((s) => s.includes(`1 of 2 servers down: ${urls[1]}`));
        expect(screen).toMatch(/^rxbs top {2}2 servers \(1 down\)/m);
        screen = await terminal.screenUntil((s) => new RegExp(`^${tube}\\s+2\\s+0\\s+0\\s+0\\s`, 'm').test(s));
        // Back on its port with its binlog: the pool probes it again and the totals return.
        await ctx.restart(1);
        screen = await terminal.screenUntil(
          (s) => !s.includes('down') && new RegExp(`^${tube}\\s+5\\s+0\\s+0\\s+1\\s`, 'm').test(s),
        );
        terminal.tmux('send-keys', '-t', 'main', 'q');
        screen = await terminal.screenUntil((s) => s.includes('rxbs exited with'));
        expect(screen).toContain('rxbs exited with 0');
      } finally {
        terminal.close();
      }
    },
    60000,
  );
});
