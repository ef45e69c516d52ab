import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** How to start a test beanstalkd: its flags, port or socket, and binary. */
export interface BeanstalkdOptions {
  /** `-z`: max job size in bytes. */
  readonly maxJobSize?: number;
  /** `-b`: binlog directory, so jobs survive a restart. */
  readonly binlogDir?: string;
  /** Port to listen on; a free loopback port when omitted (use it to restart on the same port). */
  readonly port?: number;
  /** Listen on this UNIX socket path instead of TCP (`-l unix:/path`). */
  readonly unixPath?: string;
  /** Extra command-line flags. */
  readonly args?: readonly string[];
  /** The binary to run. Default: `beanstalkd` on PATH (or $BEANSTALKD_BIN). */
  readonly binary?: string;
  /** How long to wait for the server to accept connections. Default 5000 ms. */
  readonly startTimeoutMs?: number;
}

/** A beanstalkd started by `startBeanstalkd()`: where it listens, its process, and how to stop it. */
export interface RunningBeanstalkd {
  /** Always loopback. */
  readonly host: '127.0.0.1';
  /** The TCP port it listens on (also set, though unused, with `unixPath`). */
  readonly port: number;
  /** `beanstalk://127.0.0.1:<port>` */
  readonly url: string;
  /** The UNIX socket path, when started with `unixPath`. */
  readonly unixPath: string | undefined;
  /** The server's process id, e.g. to SIGSTOP and SIGCONT it. */
  readonly pid: number;
  /** The server's child process. */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, or the given signal) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const HOST = '127.0.0.1';

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function assertBinary(binary: string): void {
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      `cannot run "${binary}" (${probe.error.message}). Install beanstalkd 1.12+, ` +
        "e.g. Debian's package: apt-get install beanstalkd",
    );
  }
}

function canConnect(target: { port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect({ path: target.path }) : connect({ host: HOST, port: target.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a real beanstalkd on a loopback port and resolves once it accepts connections.
 * Every integration spec uses this; nothing is mocked.
 */
export async function startBeanstalkd(options: BeanstalkdOptions = {}): Promise<RunningBeanstalkd> {
  const binary = options.binary ?? process.env.BEANSTALKD_BIN ?? 'beanstalkd';
  assertBinary(binary);
  const port = options.port ?? (await freePort());
  const unixPath = options.unixPath;
  const args = unixPath ? ['-l', `unix:${unixPath}`] : ['-l', HOST, '-p', String(port)];
  const target = unixPath ? { path: unixPath } : { port };
  if (options.maxJobSize !== undefined) args.push('-z', String(options.maxJobSize));
  if (options.binlogDir !== undefined) args.push('-b', options.binlogDir);
  args.push(...(options.args ?? []));

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
  while (!(await canConnect(target))) {
    if (!running) throw new Error(`beanstalkd exited at start (${args.join(' ')}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`beanstalkd did not accept connections (${args.join(' ')}): ${stderr.trim()}`);
    }
    await sleep(10);
  }

  return {
    host: HOST,
    port,
    url: unixPath ? `unix:${unixPath}` : `beanstalk://${HOST}:${port}`,
    unixPath,
    pid: child.pid ?? -1,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (running) child.kill(signal);
      await exited;
    },
  };
}
