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
    const tube = freshTube('tail');
    const early = await firstValueFrom(bs.tube(tube).put('delayed before tail started', { delay: 2 }));
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
      if (i > 100) throw new Error('tail printed: ' + output);
      await sleep(50);
    }
    await firstValueFrom(bs.kickJob(buried));
    const result = await done;

    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TailLine);
    const seen = new Map(lines.map((line) => [line.id, line]));
    expect(seen.get(put)).toMatchObject({ how: 'put', body: 'put while tailing' });
    expect(seen.get(early)).toMatchObject({ how: 'delay over', body: 'delayed before tail started' });
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
