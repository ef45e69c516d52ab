import { createInterface } from 'node:readline';
import type { Cli } from './context.js';
import { CliError, ExitCode } from './exit.js';

/**
 * Asks "question [y/N]" on the terminal; resolves when the answer is yes. Without a
 * terminal to ask (a pipe, a script), only `--yes` lets the command go on.
 */
export async function confirm(cli: Cli, question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (cli.io.stdin.isTTY !== true) {
    throw new CliError(`${question}\nnot confirmed: no terminal to ask on; add --yes to go ahead`, ExitCode.cancelled);
  }
  const prompt = createInterface({ input: cli.io.stdin, output: cli.io.stderr });
  const answer = await new Promise<string>((resolve) => {
    prompt.question(`${question} [y/N] `, resolve);
    prompt.once('close', () => resolve(''));
  });
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled: nothing was changed', ExitCode.cancelled);
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly visible: boolean;

  constructor(
    private readonly cli: Cli,
    private readonly label: string,
    private total: number,
  ) {
    this.visible = cli.io.stderr.isTTY === true;
  }

  /** Adds `count` finished items; redraws at most ten times a second. */
  add(count: number): void {
    this.done += count;
    if (this.done > this.total) this.total = this.done;
    const now = Date.now();
    if (this.visible && now - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Removes the bar, leaving the line free for the summary. */
  end(): void {
    if (this.visible) this.cli.io.stderr.write('\r\x1b[2K');
  }

  private draw(): void {
    const share = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(share * BAR_WIDTH);
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const bar = this.cli.errColours.green('█'.repeat(filled)) + this.cli.errColours.dim('░'.repeat(BAR_WIDTH - filled));
    const rate = Math.round(this.done / seconds).toLocaleString('en-US');
    const counts = `${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}`;
    this.cli.io.stderr.write(`\r\x1b[2K${this.label} ${bar} ${Math.floor(share * 100)}% ${counts} ${rate}/s`);
  }
}
