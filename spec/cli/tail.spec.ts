import type { ChildProcess } from 'node:child_process';
import { firstValueFrom } from 'rxjs';
import { Beanstalk } from '../../src/index.js';
import { builtCli, finished, spawnCli } from '../helpers/cli.js';
import { rawCounter, rawJobStats } from '../helpers/raw.js';
import { freshTube, sleep, useBeanstalkd } from '../helpers/setup.js';

interface TailLine {
  how: string;
  id: number;
  body: string;
  stats: { tube: string; reserves: number; releases: number };
}

/** Resolves once tail says it is following its tube: jobs put from then on are shown. */
function following(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('following tube')) resolve();
    });
  });
}

describe('rxbs tail', () => {
  const env = useBeanstalkd();
  let bs: Beanstalk;
  beforeAll(() => void builtCli(), 180000);
  beforeEach(() => (bs = Beanstalk.connect(env.server.url)));
  afterEach(() => bs.close());

  it('prints jobs as they become ready (put, delay over, kicked) without reserving or releasing any', async () => {
    // put and the delayed one put while tailing show up first; then the two kicks.
    const tube = freshTube('tail');
    // Long enough that it is still delayed when tail starts, however slow the machine: kicked later.
    const early = await firstValueFrom(bs.tube(tube).put('delayed before tail started', { delay: 600 }));
    const buried = await firstValueFrom(bs.tube(tube).put('buried before tail started'));
    const held = await firstValueFrom(bs.reserveJob(buried));
    await firstValueFrom(held.bury(), { defaultValue: undefined });
    const reservesBefore = await rawCounter(env.server.port, 'cmd-reserve-with-timeout');

    const child = spawnCli([
      '--url',
      env.server.url,
      'tail',
      '--tube',
      tube,
      '--json',
      '--count',
      '4',
      '--interval',
      '100',
    ]);
    const done = finished(child, 30000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await following(child);
    const put = await firstValueFrom(bs.tube(tube).put('put while tailing'));
    await firstValueFrom(bs.tube(freshTube('elsewhere')).put('another tube'));
    const later = await firstValueFrom(bs.tube(tube).put('delayed while tailing', { delay: 1 }));
    for (let i = 0; output.split('\n').length < 3; i++) {
      if (i > 300) throw new Error('tail printed: ' + output);
      await sleep(50);
    }
    await firstValueFrom(bs.kickJob(buried));
    await firstValueFrom(bs.kickJob(early));
    const result = await done;

    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('came and went');
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TailLine);
    const seen = new Map(lines.map((line) => [line.id, line]));
    expect(seen.get(put)).toMatchObject({ how: 'put', body: 'put while tailing' });
    expect(seen.get(early)).toMatchObject({ how: 'kicked', body: 'delayed before tail started' });
    expect(seen.get(later)).toMatchObject({ how: 'delay over', body: 'delayed while tailing' });
    expect(seen.get(buried)).toMatchObject({ how: 'kicked', body: 'buried before tail started' });
    expect(lines.every((line) => line.stats.tube === tube)).toBe(true);
    // tail took nothing: no reserve, no release, no bury of its own.
    for (const id of [early, put, later]) {
      expect(await rawJobStats(env.server.port, id)).toMatchObject({ state: 'ready', reserves: '0', releases: '0' });
    }
    expect(await rawJobStats(env.server.port, buried)).toMatchObject({
      state: 'ready',
      reserves: '1',
      releases: '0',
      buries: '1',
    });
    expect(await rawCounter(env.server.port, 'cmd-release')).toBe(0);
    expect(await rawCounter(env.server.port, 'cmd-reserve')).toBe(0);
    expect(await rawCounter(env.server.port, 'cmd-reserve-with-timeout')).toBe(reservesBefore);
    expect(await rawCounter(env.server.port, 'cmd-bury')).toBe(1);
  });

  it('counts jobs that were put and deleted between two looks on stderr', async () => {
    const tube = freshTube('fleeting');
    const child = spawnCli(['--url', env.server.url, 'tail', '--tube', tube, '--interval', '1500']);
    const done = finished(child, 30000);
    let errors = '';
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await following(child);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await firstValueFrom(bs.tube(tube).put(`gone ${i}`));
      ids.push(id);
      await firstValueFrom(bs.delete(id), { defaultValue: undefined });
    }
    // The three may straddle a look: add up every note.
    const reported = () =>
      [...errors.matchAll(/\((\d+) jobs? came and went between two looks\)/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    // On a loaded machine a look may fall between a put and its delete: that job is printed.
    const seen = () => ids.filter((id) => output.includes(`#${id} put`)).length;
    for (let waited = 0; reported() + seen() < 3 && waited < 15000; waited += 100) await sleep(100);
    await sleep(2000); // one more look: nothing more is reported
    child.kill('SIGINT');
    await done;
    expect(reported() + seen()).toBe(3);
    expect(reported()).toBeGreaterThanOrEqual(1);
    expect(output.split('\n').filter(Boolean)).toHaveLength(seen());
  });

  it('explains in --help how it looks without taking', async () => {
    const child = spawnCli(['tail', '--help']);
    const { stdout, code } = await finished(child, 20000);
    expect(code).toBe(0);
    expect(stdout).toContain('tail never reserves, releases or buries');
  });

  it('stops on Ctrl-C (SIGINT) with exit code 0, printing a plain line per job', async () => {
    const tube = freshTube('sigint');
    const child = spawnCli(['--url', env.server.url, 'tail', '--tube', tube, '--interval', '100']);
    const done = finished(child, 30000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await following(child);
    const id = await firstValueFrom(bs.tube(tube).put('line\nbreak'));
    while (!output.includes('\n')) await sleep(50);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d #${id} put pri 1024 ttr 60 10 B  line\\\\nbreak\\n$`),
    );
  });
});
