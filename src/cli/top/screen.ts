import type { Io } from '../context.js';

const ENTER_ALTERNATE_SCREEN = '\x1b[?1049h';
const LEAVE_ALTERNATE_SCREEN = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME = '\x1b[H';
const CLEAR_TO_END_OF_LINE = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

/** What the live screen reports: keys pressed, a resize, a request to quit (q, Ctrl-C). */
export interface ScreenEvents {
  onKey(key: string): void;
  onResize(): void;
  onQuit(): void;
}

/**
 * The terminal for a full-screen view: the alternate screen (so the shell's screen comes
 * back afterwards), no cursor, keys read raw; everything restored on stop, also on
 * Ctrl-C or SIGTERM.
 */
export class LiveScreen {
  private cleanups: (() => void)[] = [];

  constructor(private readonly io: Io) {}

  get columns(): number {
    return this.io.stdout.columns ?? 80;
  }

  get rows(): number {
    return this.io.stdout.rows ?? 24;
  }

  start(events: ScreenEvents): void {
    const { stdin, stdout } = this.io;
    stdout.write(ENTER_ALTERNATE_SCREEN + HIDE_CURSOR);
    this.cleanups.push(() => stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN));
    if (stdin.isTTY && stdin.setRawMode) {
      stdin.setRawMode(true);
      this.cleanups.push(() => stdin.setRawMode?.(false));
    }
    const onData = (data: Buffer | string) => {
      for (const key of String(data)) {
        if (key === 'q' || key === 'Q' || key === '\x03') return events.onQuit();
        events.onKey(key);
      }
    };
    stdin.on('data', onData);
    stdin.resume();
    this.cleanups.push(() => {
      stdin.off('data', onData);
      stdin.pause();
    });
    const onResize = () => events.onResize();
    stdout.on('resize', onResize);
    this.cleanups.push(() => stdout.off('resize', onResize));
    const onSignal = () => events.onQuit();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    this.cleanups.push(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }

  /** Replaces the screen's content with these lines, without flicker (overwrite, then clear the rest). */
  draw(lines: readonly string[]): void {
    const shown = lines.slice(0, this.rows);
    this.io.stdout.write(HOME + shown.map((line) => line + CLEAR_TO_END_OF_LINE).join('\r\n') + CLEAR_BELOW);
  }

  stop(): void {
    for (const cleanup of this.cleanups.reverse()) cleanup();
    this.cleanups = [];
  }
}
