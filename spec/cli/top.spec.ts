import { execFileSync } from 'node:child_process';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { builtCli, runCli } from '../helpers/cli.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

/** Runs tmux commands against one tmux server. */
type Tmux = (...args: string[]) => string;

/**
 * tmux on a socket of our own, so no user session is touched; a fresh one per test, as a
 * server just killed may still be exiting when the next test starts one. Each test keeps
 * its own runner: with one shared socket name, a test that overran its timeout killed the
 * next test's server from its `finally` ("server exited unexpectedly").
 */
let tmuxSockets = 0;
function newTmux(): Tmux {
  const socket = `rxbs-spec-${process.pid}-${Date.now()}-${++tmuxSockets}`;
  return (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}
/** .ci/run installs tmux; the terminal specs are skipped only on a machine without it. */
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

/** How long a terminal test may take: five screens of up to 15 s each on a loaded machine. */
const TERMINAL_TEST_MS = 120000;

async function screenUntil(tmux: Tmux, predicate: (screen: string) => boolean, timeoutMs = 15000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-t', 'top');
    if (predicate(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`the screen never showed what was expected:\n${screen}`);
}

describe('rxbs top', () => {
  const env = useBeanstalkd();
  let bs: Beanstalk;
  beforeAll(() => void builtCli(), 180000);
  beforeEach(() => (bs = Beanstalk.connect(env.server.url)));
  afterEach(() => bs.close());

  it('--once prints one frame: server line, rates, and a row per tube with its counts', async () => {
    const busy = freshTube('busy');
    const stuck = freshTube('stuck');
    for (let i = 0; i < 3; i++) await firstValueFrom(bs.tube(busy).put(`job ${i}`));
    await firstValueFrom(bs.tube(busy).put('later', { delay: 100 }));
    const id = await firstValueFrom(bs.tube(stuck).put('x'));
    const held = await firstValueFrom(bs.reserveJob(id));
    await firstValueFrom(held.bury(), { defaultValue: undefined });
    const { code, stdout, stderr } = await runCli(['--url', env.server.url, 'top', '--once', '--interval', '200']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^rxbs top  ${env.server.url}  beanstalkd 1\\.\\d+  up \\d+s  \\d\\d:\\d\\d:\\d\\d$`),
    );
    expect(stdout).toMatch(
      /^connections \d+ \(\d+ producers, \d+ workers, \d+ waiting\) {2}jobs: 3 ready, 0 reserved, 1 delayed, 1 buried$/m,
    );
    expect(stdout).toMatch(/^jobs\/s: put \S+ {2}reserve \S+ {2}delete \S+ {2}bury \S+ {2}kick \S+ {2}timeout \S+$/m);
    expect(stdout).toMatch(
      /^TUBE\s+READY\s+RESERVED\s+DELAYED\s+BURIED\s+WAITING\s+PUT\/s\s+DEL\/s\s+PAUSED\s+READY, LAST 20 SAMPLES$/m,
    );
    expect(stdout).toMatch(new RegExp(`^${busy}\\s+3\\s+0\\s+1\\s+0\\s+0\\s+0\\s+0\\s+[▁-█]{2}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^${stuck}\\s+0\\s+0\\s+0\\s+1\\s+0\\s+0\\s+0\\s+▁▁$`, 'm'));
    // Sorted by ready: the busy tube comes before the stuck one.
    expect(stdout.indexOf(busy)).toBeLessThan(stdout.indexOf(stuck));
    expect(stdout).not.toContain('\x1b['); // no colour or screen codes into a pipe
  });

  (hasTmux ? it : it.skip)(
    'runs full-screen in a real terminal (tmux): live counts, sorting, resizing, q quits',
    async () => {
      const tube = freshTube('live');
      await firstValueFrom(bs.tube(tube).put('one'));
      const command = `${process.execPath} ${builtCli()} --url ${env.server.url} top --interval 200; echo "rxbs exited with $?"; sleep 60`;
      const tmux = newTmux();
      tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '30', command);
      try {
        let screen = await screenUntil(tmux, (s) => s.includes(tube));
        expect(screen).toMatch(/^rxbs top {2}beanstalk:\/\/127\.0\.0\.1:\d+ {2}beanstalkd/m);
        expect(screen).toContain('sorted by ready');
        expect(screen).toContain('s: sort   q: quit');
        expect(screen).toMatch(new RegExp(`^${tube}\\s+1\\s+0\\s+0\\s+0\\s+0`, 'm'));

        // Live: a put shows up without doing anything in the terminal.
        await firstValueFrom(bs.tube(tube).put('two'));
        screen = await screenUntil(tmux, (s) => new RegExp(`^${tube}\\s+2\\s+0`, 'm').test(s));

        tmux('send-keys', '-t', 'top', 's');
        await screenUntil(tmux, (s) => s.includes('sorted by reserved'));

        tmux('resize-window', '-t', 'top', '-x', '60', '-y', '12');
        screen = await screenUntil(tmux, (s) => s.split('\n')[0].length <= 60 && s.includes('sorted by reserved'));
        expect(screen.split('\n').every((line) => line.length <= 60)).toBe(true);

        tmux('send-keys', '-t', 'top', 'q');
        screen = await screenUntil(tmux, (s) => s.includes('rxbs exited with'));
        expect(screen).toContain('rxbs exited with 0');
        // The alternate screen is gone: the frame no longer shows.
        expect(screen).not.toContain('sorted by');
      } finally {
        tmux('kill-server');
      }
    },
    TERMINAL_TEST_MS,
  );

  (hasTmux ? it : it.skip)(
    'drain asks for confirmation on a terminal',
    async () => {
      const tube = freshTube('ask');
      for (let i = 0; i < 20; i++) await firstValueFrom(bs.tube(tube).put(`job ${i}`));
      const command = `${process.execPath} ${builtCli()} --url ${env.server.url} drain ${tube}; echo "rxbs exited with $?"; sleep 60`;
      const tmux = newTmux();
      tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '30', command);
      try {
        await screenUntil(
          tmux,
          (s) => s.includes(`Delete 20 jobs (20 ready, 0 delayed, 0 buried) from tube ${tube}`) && s.includes('[y/N]'),
        );
        tmux('send-keys', '-t', 'top', 'y', 'Enter');
        const screen = await screenUntil(tmux, (s) => s.includes('rxbs exited with'));
        expect(screen).toContain(`deleted 20 jobs from tube ${tube} (20 ready, 0 delayed, 0 buried)`);
        expect(screen).toContain('rxbs exited with 0');
      } finally {
        tmux('kill-server');
      }
    },
    TERMINAL_TEST_MS,
  );
});
