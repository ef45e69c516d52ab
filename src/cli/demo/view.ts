import type { DemoState, DemoView } from './scenario.js';

/** ANSI styling, only when writing to a terminal that wants colour. */
export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

export function paint(enabled: boolean): Paint {
  const style = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return { bold: style(1, 22), dim: style(2, 22), red: style(31, 39), green: style(32, 39), yellow: style(33, 39) };
}

const settled = (s: DemoState) => s.doneFirstTry + s.doneAfterRetry + s.buried;

function bar(done: number, total: number, width = 28): string {
  const filled = Math.round((width * done) / Math.max(1, total));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function serverLine(s: DemoState, p: Paint): string {
  const { ready, reserved, delayed, buried } = s.server;
  return (
    `ready ${ready}  reserved ${reserved}  delayed ${p.yellow(String(delayed))}  buried ${p.red(String(buried))}` +
    p.dim(`  (stats-tube every 100 ms; at most ${s.lanes} reserved)`)
  );
}

/** On a terminal: one frame, redrawn in place at most every 50 ms, with the last few notes under it. */
export class LiveView implements DemoView {
  private lines = 0;
  private state: DemoState | undefined;
  private readonly notes: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly p: Paint,
  ) {
    out.write('\x1b[?25l'); // hide the cursor while drawing
  }

  update(state: DemoState): void {
    this.state = state;
    this.timer ??= setTimeout(() => this.draw(), 50);
  }

  note(line: string): void {
    this.notes.push(line);
    if (this.notes.length > 5) this.notes.shift();
  }

  /** Draws the last frame and gives the cursor back. */
  end(): void {
    clearTimeout(this.timer);
    this.draw();
    this.out.write('\x1b[?25h');
  }

  private draw(): void {
    this.timer = undefined;
    const s = this.state;
    if (!s) return;
    const p = this.p;
    const frame = [
      ` ${p.bold('producer')}  ${p.green(bar(s.put, s.total))} ${s.put}/${s.total} put`,
      ` ${p.bold('worker')}    ${p.green(bar(settled(s), s.total))} ${settled(s)}/${s.total} settled` +
        p.dim(` (${s.doneFirstTry + s.doneAfterRetry} done, ${s.buried} buried, ${s.attempts} attempts)`),
      ` ${p.bold('server')}    ${serverLine(s, p)}`,
      '',
      ...this.notes.map((note) => `   ${p.dim(note)}`),
    ];
    const width = this.out.columns || 100;
    // Back to the top of the previous frame, clear to the end of the screen, draw again.
    const up = this.lines > 0 ? `\x1b[${this.lines}F\x1b[J` : '';
    this.out.write(up + frame.map((line) => line.slice(0, width + 40)).join('\n') + '\n');
    this.lines = frame.length;
  }
}

/** Anywhere else (a pipe, a log, CI): plain lines, progress every quarter, and every note. */
export class PlainView implements DemoView {
  private putQuarter = 0;
  private settledQuarter = 0;

  constructor(private readonly write: (line: string) => void) {}

  update(s: DemoState): void {
    const quarter = (n: number) => Math.floor((4 * n) / s.total);
    if (quarter(s.put) > this.putQuarter) {
      this.putQuarter = quarter(s.put);
      this.write(`producer: ${s.put}/${s.total} put`);
    }
    if (quarter(settled(s)) > this.settledQuarter) {
      this.settledQuarter = quarter(settled(s));
      const { ready, reserved, delayed, buried } = s.server;
      this.write(
        `worker: ${settled(s)}/${s.total} settled; server: ready ${ready}, reserved ${reserved}, ` +
          `delayed ${delayed}, buried ${buried}`,
      );
    }
  }

  note(line: string): void {
    this.write(line);
  }
}

/** The table at the end: what the worker saw, and whether the server's own counters agree. */
export function summary(s: DemoState, tube: string, seconds: number, p: Paint): { text: string; agrees: boolean } {
  const retried = s.doneAfterRetry;
  const rows: [string, number, string][] = [
    ['done on the first attempt', s.doneFirstTry, String(s.doneFirstTry)],
    ['done after a retry', retried, String(s.retryAttempts)],
    [`buried after ${s.maxAttempts} attempts`, s.buried, String(s.buriedAttempts)],
    ['total', s.total, String(s.attempts)],
  ];
  const line = (a: string, b: string, c: string) => ` ${a.padEnd(28)} ${b.padStart(6)}   ${c.padStart(10)}`;
  const table = [
    p.bold(line('outcome', 'jobs', 'attempts')),
    line('─'.repeat(28), '─'.repeat(6), '─'.repeat(10)),
    ...rows.map(([label, jobs, attempts], i) => {
      const text = line(label, String(jobs), attempts);
      return i === 3 ? p.bold(text) : i === 2 && jobs > 0 ? p.red(text) : text;
    }),
  ];
  const server = s.server;
  const agrees =
    server.puts === s.total &&
    server.deletes === s.doneFirstTry + s.doneAfterRetry &&
    server.buried === s.buried &&
    server.ready + server.reserved + server.delayed === 0 &&
    s.buriedAttempts === s.maxAttempts * s.buried &&
    s.attempts === s.doneFirstTry + s.retryAttempts + s.buriedAttempts;
  const check = agrees ? p.green('✓ agrees with the worker') : p.red('✗ does not agree with the worker');
  return {
    agrees,
    text: [
      ...table,
      '',
      ` server (stats-tube ${tube}): ${server.puts} put, ${server.deletes} deleted, ${server.buried} buried, ` +
        `${server.ready} ready, ${server.reserved} reserved ${check}`,
      ` at most ${s.peakReserved} reserved at once in the samples (${s.lanes} lanes); ` +
        `${s.total} jobs in ${seconds.toFixed(1)} s`,
      ...(s.abandoned > 0 ? [` ${s.abandoned} abandoned at the stop: back to ready on the server`] : []),
    ].join('\n'),
  };
}
