import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'rxbs-spec');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : /\.(ts|js|css|html)$/.test(entry.name) ? [full] : [];
  });
}

/** A hash of everything the build reads, so a changed source means a fresh build. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [
    ...sourceFiles(path.join(ROOT, 'src')),
    'tsconfig.json',
    'tsconfig.build.json',
    'package.json',
  ].sort()) {
    const full = path.isAbsolute(file) ? file : path.join(ROOT, file);
    hash.update(path.relative(ROOT, full)).update('\0').update(readFileSync(full));
  }
  return hash.digest('hex').slice(0, 16);
}

let built: string | undefined;

/**
 * The path of the built `rxbs` bin: the CommonJS build of the current sources (the same
 * compiler options as `npm run build` uses for dist/cjs), made once per source state and
 * shared by every spec file and jest worker. Building to its own folder leaves dist/ alone.
 */
export function builtCli(): string {
  if (built) return built;
  const dir = path.join(CACHE, sourceHash());
  const bin = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: { rxbs: string } }).bin.rxbs;
  const binInBuild = path.join(dir, path.relative('dist/cjs', bin));
  if (!existsSync(binInBuild)) build(dir);
  built = binInBuild;
  return built;
}

function build(dir: string): void {
  mkdirSync(CACHE, { recursive: true });
  const lock = `${dir}.lock`;
  // One worker builds; the others wait for its result (a stale lock is taken over).
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(dir)) return;
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 180000)
        rmSync(lock, { recursive: true, force: true });
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (existsSync(dir)) return;
    const temporary = `${dir}.tmp-${process.pid}`;
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(
      process.execPath,
      [
        tsc,
        '-p',
        'tsconfig.build.json',
        '--outDir',
        temporary,
        '--module',
        'commonjs',
        '--moduleResolution',
        'node10',
        '--declaration',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    writeFileSync(path.join(temporary, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
    // The web console's page is plain files that tsc does not copy (scripts/build.js does the same).
    cpSync(path.join(ROOT, 'src/cli/web/assets'), path.join(temporary, 'cli/web/assets'), { recursive: true });
    renameSync(temporary, dir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Written to stdin, which is then closed (stdin is an empty pipe otherwise). */
  readonly input?: string | Buffer;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) and reported as failed after this long. Default 20 s. */
  readonly timeoutMs?: number;
}

/** Starts `rxbs args...` as a separate process, as a user's shell would (no TTY). */
export function spawnCli(args: readonly string[], options: CliRunOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [builtCli(), ...args], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, BEANSTALKD_URL: undefined, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  return child;
}

/** Runs `rxbs args...` to the end and gives its exit code and output. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return finished(child, options.timeoutMs ?? 20000, args);
}

/** Waits for a spawned rxbs to exit; kills it and fails after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number, args: readonly string[] = []): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rxbs ${args.join(' ')} did not finish in ${timeoutMs} ms; stdout ${stdout}; stderr ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
