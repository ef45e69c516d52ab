import { execFileSync } from 'node:child_process';
import { sleep } from './setup.js';

/** .ci/run installs tmux; terminal specs are skipped only on a machine without it. */
export const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

/** A tmux server on a socket of its own (no user session is touched), running one window. */
export interface Terminal {
  /** Runs a tmux command against this terminal's server. */
  tmux(...args: string[]): string;
  /** Waits until the window's screen satisfies `predicate`; fails with the last screen. */
  screenUntil(predicate: (screen: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Stops the tmux server and everything in it. */
  close(): void;
}

/** Starts `command` in a fresh tmux window of `columns` x `rows`. */
export function openTerminal(command: string, columns = 120, rows = 30): Terminal {
  const socket = `rxbs-spec-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), command);
  return {
    tmux,
    async screenUntil(predicate, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < deadline) {
        screen = tmux('capture-pane', '-p', '-t', 'main');
        if (predicate(screen)) return screen;
        await sleep(100);
      }
      throw new Error(`the screen never showed what was expected:\n${screen}`);
    },
    close: () => void tmux('kill-server'),
  };
}
