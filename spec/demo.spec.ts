import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCjs } from './helpers/build.js';
import { rawCounter } from './helpers/raw.js';
import { useBeanstalkd } from './helpers/setup.js';

// `npm run demo` as a person runs it: the built demo in a process of its own, its output
// read as text (stdout is a pipe here, so the demo prints plain lines, not a live frame).

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(demo: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+[:(]/m);

describe('npm run demo', () => {
  const ctx = useBeanstalkd();
  let build: ReturnType<typeof buildCjs>;
  let demo: string;
  beforeAll(() => {
    build = buildCjs();
    demo = path.join(build.dir, 'cli', 'demo.js');
  }, 180000);
  afterAll(() => build?.remove());

  test('starts its own beanstalkd, retries and buries a few jobs, and ends with a table the server agrees with', async () => {
    const run = await runDemo(demo, []);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /60 invoices through beanstalk:\/\/127\.0\.0\.1:\d+ \(beanstalkd 1\.\d+, started for this demo\)/,
    );
    // Progress as plain lines, failures with their attempt, retries, burials.
    expect(run.stdout).toContain('producer: 60/60 put');
    expect(run.stdout).toContain('worker: 60/60 settled');
    expect(run.stdout).toMatch(/failed \(attempt 1\/3\): PDF renderer busy/);
    expect(run.stdout).toMatch(/job \d+ released, back in 1 s/);
    expect(run.stdout.match(/job \d+ buried: out of attempts/g)).toHaveLength(3);
    // The summary: 54 + 3 + 3 jobs, 54 + 6 + 9 attempts, and the server's stats-tube agreeing.
    expect(run.stdout).toMatch(/done on the first attempt +54 +54/);
    expect(run.stdout).toMatch(/done after a retry +3 +6/);
    expect(run.stdout).toMatch(/buried after 3 attempts +3 +9/);
    expect(run.stdout).toMatch(/total +60 +69/);
    expect(run.stdout).toMatch(/60 put, 57 deleted, 3 buried, 0 ready, 0 reserved ✓ agrees with the worker/);
    expect(run.stdout).not.toContain('\x1b['); // no colour or cursor moves on a pipe
    const seconds = Number(/60 jobs in ([\d.]+) s/.exec(run.stdout)?.[1]);
    expect(seconds).toBeGreaterThan(1.5); // the buried jobs waited out two 1 s backoffs
    expect(seconds).toBeLessThan(30);
  });

  test('on a terminal it redraws one live frame in place, then prints the same summary', async () => {
    // `script` (util-linux) gives the demo a real pseudo-terminal; -e passes its exit code on.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(demo)} ${ctx.server.url} 20`;
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr: '' }));
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\x1b[?25l'); // cursor hidden while drawing...
    expect(run.stdout).toContain('\x1b[?25h'); // ...and given back
    const ESC = String.fromCharCode(27);
    expect(run.stdout.match(new RegExp(`${ESC}\\[\\d+F${ESC}\\[J`, 'g'))?.length).toBeGreaterThan(3); // redrawn in place
    expect(run.stdout).toMatch(/producer.*█+.* 20\/20 put/);
    expect(run.stdout).not.toContain('producer: 5/20 put'); // no plain progress lines
    expect(run.stdout).toMatch(/20 put, 19 deleted, 1 buried, 0 ready, 0 reserved .*✓ agrees with the worker/);
  });

  test('runs against a server it is given, and deletes the jobs it buried there', async () => {
    const deletesBefore = await rawCounter(ctx.server.port, 'cmd-delete');
    const run = await runDemo(demo, [ctx.server.url, '20']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`20 invoices through ${ctx.server.url} (beanstalkd`);
    expect(run.stdout).not.toContain('started for this demo');
    expect(run.stdout).toMatch(/20 put, 19 deleted, 1 buried, 0 ready, 0 reserved ✓/);
    expect(run.stdout).toContain('deleted the buried job');
    expect(await rawCounter(ctx.server.port, 'cmd-delete')).toBe(deletesBefore + 20);
    expect(await rawCounter(ctx.server.port, 'current-jobs-buried')).toBe(0);
  });

  test('without beanstalkd on PATH: says what to install, no stack trace, exit code 1', async () => {
    const emptyDir = mkdtempSync(path.join(tmpdir(), 'no-beanstalkd-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: emptyDir };
      delete env.BEANSTALKD_BIN;
      const run = await runDemo(demo, [], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('beanstalkd is not installed');
      expect(run.stderr).toContain('apt-get install beanstalkd');
      expect(run.stderr).toContain('npm run demo -- beanstalk://127.0.0.1:11300');
      noStackTrace(run.stderr);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  test('a server that is not there, or bad arguments: a clear message and an exit code, no stack trace', async () => {
    const refused = await runDemo(demo, ['beanstalk://127.0.0.1:1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot reach beanstalkd at beanstalk://127.0.0.1:1');
    expect(refused.stderr).toContain('ECONNREFUSED');
    noStackTrace(refused.stderr);

    const bad = await runDemo(demo, ['lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: npm run demo');
    noStackTrace(bad.stderr);
  });
});
