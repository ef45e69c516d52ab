import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { startBeanstalkd } from '../../src/testing/index.js';
import { builtCli, runCli } from '../helpers/cli.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube, maybe, useBeanstalkd } from '../helpers/setup.js';

/**
 * A test here starts up to 16 rxbs processes one after the other: 0.4 s each on an idle
 * machine, several seconds on a loaded 2-core one, so jest's 30 s default is too short.
 * Each run is still bounded on its own (runCli kills it after 20 s).
 */
jest.setTimeout(120000);

describe('rxbs commands, run as a separate process against a real beanstalkd', () => {
  const env = useBeanstalkd();
  let bs: Beanstalk;
  const rxbs = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(['--url', env.server.url, ...args], options);
  beforeAll(() => void builtCli(), 180000);
  beforeEach(() => (bs = Beanstalk.connect(env.server.url)));
  afterEach(() => bs.close());

  it('--help lists every command, examples and exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'stats',
      'tubes',
      'put',
      'peek',
      'kick',
      'kick-job',
      'delete',
      'bury',
      'pause',
      'tail',
      'reserve',
      'drain',
      'move',
      'top',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('Exit codes:');
    const drainHelp = await runCli(['drain', '--help']);
    expect(drainHelp.stdout).toContain('rxbs drain emails --buried --yes');
  });

  it('put takes the body as an argument, from --file or from stdin, with its options, and prints the id', async () => {
    const tube = freshTube('put');
    const fromArg = await rxbs(['put', '--tube', tube, '--priority', '7', '--ttr', '30', 'hello']);
    expect(fromArg).toMatchObject({ code: 0, stderr: '' });
    const id = Number(fromArg.stdout.trim());
    expect(await rawJobStats(env.server.port, id)).toMatchObject({ tube, pri: '7', ttr: '30', state: 'ready' });
    expect((await maybe(bs.peek(id)))?.text()).toBe('hello');

    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rxbs-')), 'body.bin');
    const binary = Buffer.from([0, 1, 2, 13, 10, 255]);
    writeFileSync(file, binary);
    const fromFile = await rxbs(['put', '--tube', tube, '--file', file, '--delay', '100', '--json']);
    const parsed = JSON.parse(fromFile.stdout) as { id: number; tube: string };
    expect(parsed.tube).toBe(tube);
    expect((await maybe(bs.peek(parsed.id)))?.body).toEqual(binary);
    expect(await rawJobStats(env.server.port, parsed.id)).toMatchObject({ state: 'delayed', delay: '100' });

    const fromStdin = await rxbs(['put', '--tube', tube], { input: 'piped body\n' });
    expect((await maybe(bs.peek(Number(fromStdin.stdout))))?.text()).toBe('piped body\n');
  });

  it('peek prints the body to stdout, or id, body and stats with --json; nothing there is exit code 3', async () => {
    const tube = freshTube('peek');
    await firstValueFrom(bs.tube(tube).put('ready body', { priority: 1 }));
    const delayed = await firstValueFrom(bs.tube(tube).put('delayed body', { delay: 100 }));
    const binary = Buffer.from([0xff, 0xfe, 0x00]);
    const buried = await firstValueFrom(bs.tube(tube).put(binary, { priority: 2000 }));
    const held = await firstValueFrom(bs.reserveJob(buried));
    await firstValueFrom(held.bury(2000), { defaultValue: undefined });

    expect(await rxbs(['peek', 'ready', '--tube', tube])).toMatchObject({ code: 0, stdout: 'ready body' });
    expect(await rxbs(['peek', 'delayed', '--tube', tube])).toMatchObject({ code: 0, stdout: 'delayed body' });
    expect(await rxbs(['peek', String(delayed)])).toMatchObject({ code: 0, stdout: 'delayed body' });
    const json = JSON.parse((await rxbs(['peek', 'buried', '--tube', tube, '--json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ id: buried, bytes: 3, encoding: 'base64', body: binary.toString('base64') });
    expect(json.stats).toMatchObject({ id: buried, tube, state: 'buried', pri: 2000 });

    await firstValueFrom(bs.delete(buried), { defaultValue: undefined });
    const none = await rxbs(['peek', 'buried', '--tube', tube]);
    expect(none).toMatchObject({ code: 3, stdout: '' });
    expect(none.stderr).toBe(`rxbs: no buried job in tube ${tube}\n`);
    const missing = await rxbs(['peek', '999999']);
    expect(missing).toMatchObject({ code: 3, stderr: 'rxbs: job 999999 not found\n' });
  });

  it('bury buries ready jobs at their own priority; kick and kick-job bring them back', async () => {
    const tube = freshTube('bury');
    const a = await firstValueFrom(bs.tube(tube).put('a', { priority: 5 }));
    const b = await firstValueFrom(bs.tube(tube).put('b', { priority: 900 }));
    const c = await firstValueFrom(bs.tube(tube).put('c', { priority: 2000 }));
    const buried = JSON.parse((await rxbs(['bury', '2', '--tube', tube, '--json'])).stdout) as { buried: number[] };
    expect(buried.buried).toEqual([a, b]);
    expect(await rawJobStats(env.server.port, a)).toMatchObject({ state: 'buried', pri: '5' });
    expect(await rawJobStats(env.server.port, b)).toMatchObject({ state: 'buried', pri: '900' });
    expect(await rawJobStats(env.server.port, c)).toMatchObject({ state: 'ready' });

    expect(await rxbs(['kick', '--tube', tube])).toMatchObject({ code: 0, stdout: `kicked 1 job in tube ${tube}\n` });
    expect(await rxbs(['kick-job', String(b)])).toMatchObject({ code: 0, stdout: `kicked job ${b}\n` });
    expect(await rawJobStats(env.server.port, b)).toMatchObject({ state: 'ready', pri: '900' });
    const again = await rxbs(['kick-job', String(b)]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('not found');
    expect(JSON.parse((await rxbs(['kick', '10', '--tube', tube, '--json'])).stdout)).toEqual({ tube, kicked: 0 });
  });

  it('delete removes jobs by id, naming the ones that were not there (exit code 3)', async () => {
    const tube = freshTube('delete');
    const a = await firstValueFrom(bs.tube(tube).put('a'));
    const b = await firstValueFrom(bs.tube(tube).put('b', { delay: 50 }));
    const result = await rxbs(['delete', String(a), String(b), '999998']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(`deleted job ${a}\ndeleted job ${b}\n`);
    expect(result.stderr).toContain('job 999998 not found');
    expect(await rawJobStats(env.server.port, a)).toBeUndefined();
    expect(await rawJobStats(env.server.port, b)).toBeUndefined();
  });

  it('pause pauses a tube; an unknown tube is exit code 3', async () => {
    const tube = freshTube('pause');
    await firstValueFrom(bs.tube(tube).put('x'));
    expect(await rxbs(['pause', tube, '60'])).toMatchObject({ code: 0, stdout: `paused tube ${tube} for 60s\n` });
    expect((await firstValueFrom(bs.tube(tube).stats())).pause).toBe(60);
    expect((await rxbs(['pause', freshTube('nope'), '5'])).code).toBe(3);
  });

  it('reserve takes one job and deletes, releases (own priority) or buries it; nothing within --timeout is exit code 3', async () => {
    const tube = freshTube('reserve');
    const a = await firstValueFrom(bs.tube(tube).put('first', { priority: 3 }));
    const released = await rxbs(['reserve', '--tube', tube, '--timeout', '1']);
    expect(released).toMatchObject({ code: 0, stdout: 'first', stderr: `job ${a}: released\n` });
    expect(await rawJobStats(env.server.port, a)).toMatchObject({ state: 'ready', pri: '3', releases: '1' });
    const buried = await rxbs(['reserve', '--tube', tube, '--bury', '--json']);
    expect(JSON.parse(buried.stdout)).toMatchObject({ id: a, body: 'first', action: 'bury', stats: { pri: 3 } });
    expect(await rawJobStats(env.server.port, a)).toMatchObject({ state: 'buried', pri: '3' });
    await firstValueFrom(bs.kickJob(a));
    expect(await rxbs(['reserve', '--tube', tube, '--delete'])).toMatchObject({ code: 0, stdout: 'first' });
    expect(await rawJobStats(env.server.port, a)).toBeUndefined();
    const empty = await rxbs(['reserve', '--tube', tube, '--timeout', '0']);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain(`no job in tube ${tube}`);
    expect((await rxbs(['reserve', '--delete', '--bury'])).code).toBe(2);
  });

  it('stats shows one job, one tube, the server, or every tube as a table or JSON', async () => {
    const tube = freshTube('stats');
    const id = await firstValueFrom(bs.tube(tube).put('x', { priority: 11 }));
    await firstValueFrom(bs.tube(tube).put('y', { delay: 100 }));
    const job = await rxbs(['stats', '--job', String(id)]);
    expect(job.stdout).toMatch(/^pri:\s+11$/m);
    expect(job.stdout).toMatch(new RegExp(`^tube:\\s+${tube.replace(/[.$()+]/g, '\\$&')}$`, 'm'));
    expect(JSON.parse((await rxbs(['stats', '--tube', tube, '--json'])).stdout)).toMatchObject({
      name: tube,
      currentJobsReady: 1,
      currentJobsDelayed: 1,
    });
    expect((await rxbs(['stats', '--server'])).stdout).toMatch(/^current-jobs-ready:\s+\d+$/m);
    const table = await rxbs(['stats']);
    expect(table.stdout).toMatch(/^tube\s+ready\s+reserved\s+delayed\s+buried\s+urgent\s+waiting\s+total\s+paused$/m);
    expect(table.stdout).toMatch(new RegExp(`^${tube}\\s+1\\s+0\\s+1\\s+0\\s+1\\s+0\\s+2\\s+-$`, 'm'));
    const all = JSON.parse((await rxbs(['stats', '--json'])).stdout) as { server: object; tubes: { name: string }[] };
    expect(all.tubes.map((t) => t.name)).toContain(tube);
    expect((await rxbs(['stats', '--job', '999997'])).code).toBe(3);
    expect((await rxbs(['stats', '--tube', freshTube('none')])).code).toBe(3);
  });

  it('tubes lists the tubes, as lines or a JSON array', async () => {
    const tube = freshTube('tubes');
    await firstValueFrom(bs.tube(tube).put('x'));
    expect((await rxbs(['tubes'])).stdout.split('\n')).toContain(tube);
    expect(JSON.parse((await rxbs(['tubes', '--json'])).stdout)).toContain(tube);
  });

  it('takes the server from BEANSTALKD_URL, and a UNIX socket URL', async () => {
    const tube = freshTube('env');
    await firstValueFrom(bs.tube(tube).put('x'));
    const viaEnv = await runCli(['tubes'], { env: { BEANSTALKD_URL: env.server.url } });
    expect(viaEnv.stdout.split('\n')).toContain(tube);
    const unixPath = path.join(mkdtempSync(path.join(tmpdir(), 'rxbs-')), 'beanstalkd.sock');
    const unixServer = await startBeanstalkd({ unixPath });
    try {
      const put = await runCli(['--url', `unix:${unixPath}`, 'put', '--tube', 'over-unix', 'hi']);
      expect(put.code).toBe(0);
      expect((await runCli(['tubes'], { env: { BEANSTALKD_URL: `unix:${unixPath}` } })).stdout).toContain('over-unix');
    } finally {
      await unixServer.stop();
    }
  });

  it('refuses bad input before sending anything (exit code 2)', async () => {
    const before = await rawCounter(env.server.port, 'total-connections');
    for (const args of [
      ['put', '--priority', '-1', 'x'],
      ['put', '--priority', '4294967296', 'x'],
      ['put', '--tube', 'bad name', 'x'],
      ['put', '--delay', '1.5', 'x'],
      ['put', 'x', '--file', '/etc/hostname'],
      ['peek', 'sideways'],
      ['kick-job', '0'],
      ['delete', 'abc'],
      ['pause', 'ok', 'soon'],
      ['drain', '-bad'],
      ['move', '--tube', 'a'],
      ['stats', '--tube', 'a', '--job', '1'],
      ['top', '--sort', 'colour'],
      ['nonsense'],
    ]) {
      const result = await rxbs(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await runCli(['--url', 'ftp://example', 'tubes'])).toMatchObject({ code: 2 });
    // Only the counter's own connection: none of the commands above connected.
    expect((await rawCounter(env.server.port, 'total-connections')) - before).toBe(1);
  });

  it('names the address it could not connect to (exit code 4), without a stack trace', async () => {
    const refused = await runCli(['--url', 'beanstalk://127.0.0.1:1', 'stats']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(
      'rxbs: cannot connect to beanstalk://127.0.0.1:1: connection refused; is beanstalkd running there? (set --url or BEANSTALKD_URL)\n',
    );
    const socket = await runCli(['--url', 'unix:/nonexistent/beanstalkd.sock', 'tubes']);
    expect(socket.code).toBe(4);
    expect(socket.stderr).toContain('unix:/nonexistent/beanstalkd.sock: no such UNIX socket');
  });
});
