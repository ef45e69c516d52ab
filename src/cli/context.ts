import pc from 'picocolors';
import type { Colors } from 'picocolors/types';
import { Beanstalk } from '../client/index.js';

/** The server rxbs talks to without --url or BEANSTALKD_URL. */
export const DEFAULT_URL = 'beanstalk://127.0.0.1:11300';

/** The streams a command talks to; a terminal's are TTYs. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly env: NodeJS.ProcessEnv;
}

/** Colour only when writing to a terminal, unless NO_COLOR / FORCE_COLOR say otherwise. */
function coloursFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Colors {
  const wanted =
    env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : stream.isTTY === true && !env.NO_COLOR;
  return pc.createColors(wanted);
}

/**
 * What every command gets: the server URL, its clients (opened lazily, without
 * reconnecting, so a dead server is an error at once), output helpers and colours.
 */
export class Cli {
  readonly colours: Colors;
  readonly errColours: Colors;
  private readonly clients = new Map<string, Beanstalk>();

  constructor(
    readonly url: string,
    readonly io: Io,
  ) {
    this.colours = coloursFor(io.stdout, io.env);
    this.errColours = coloursFor(io.stderr, io.env);
  }

  /** True when stdout is a terminal (progress bars, full-screen views). */
  get interactive(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** A client for `url` (the --url server by default), one per URL. */
  client(url: string = this.url, options: { reconnect?: boolean } = {}): Beanstalk {
    const key = `${url} ${options.reconnect === true}`;
    let client = this.clients.get(key);
    if (!client) {
      client = Beanstalk.connect(url, {
        name: 'rxbs',
        reconnect: options.reconnect ? { initialDelayMs: 200, maxDelayMs: 2000 } : false,
        connectTimeoutMs: 5000,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Writes one line to stdout. */
  print(line: string): void {
    this.io.stdout.write(line + '\n');
  }

  /** Writes a value as indented JSON (one document) to stdout. */
  printJson(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** Writes a value as one line of JSON, for streams of records (tail). */
  printJsonLine(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value) + '\n');
  }

  /** Writes a note for the person (not for a pipe) to stderr. */
  note(line: string): void {
    this.io.stderr.write(line + '\n');
  }

  /** Closes every client: in-flight commands finish first. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    this.clients.clear();
  }
}
