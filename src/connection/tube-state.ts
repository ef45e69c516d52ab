import * as commands from '../protocol/commands.js';
import type { Command } from '../protocol/commands.js';

const DEFAULT_TUBE = 'default';

/**
 * The used tube and watch set a connection's server will have once everything written so
 * far has run, and the use/watch/ignore commands a command needs before it (go-beanstalk's
 * adjustTubes). Reset on every new socket, so they are right again after a reconnect.
 */
export class TubeState {
  private used = DEFAULT_TUBE;
  private watched: readonly string[] = [DEFAULT_TUBE];

  /** A new connection: the server starts every connection using and watching `default`. */
  reset(): void {
    this.used = DEFAULT_TUBE;
    this.watched = [DEFAULT_TUBE];
  }

  /** Cheap check first: most commands need no change (same tube, or the very same watch array). */
  needsChange(command: Command<unknown>): boolean {
    const { use, watch } = command.options;
    return (use !== undefined && use !== this.used) || (watch !== undefined && watch !== this.watched);
  }

  /** The commands that must run before `command`; the state is updated as if they had run. */
  changesFor(command: Command<unknown>): Command<unknown>[] {
    const needed: Command<unknown>[] = [];
    const { use, watch } = command.options;
    if (use !== undefined && use !== this.used) {
      needed.push(commands.use(use));
      this.used = use;
    }
    if (watch !== undefined && watch !== this.watched && !sameTubes(watch, this.watched)) {
      const current = this.watched;
      // Watch first, then ignore: the server refuses to ignore the last watched tube.
      for (const tube of watch) if (!current.includes(tube)) needed.push(commands.watch(tube));
      for (const tube of current) if (!watch.includes(tube)) needed.push(commands.ignore(tube));
    }
    // Kept even when the set was equal, so the next command with this array skips the comparison.
    if (watch !== undefined) this.watched = watch;
    return needed;
  }
}

function sameTubes(wanted: readonly string[], current: readonly string[]): boolean {
  return wanted.length === current.length && wanted.every((tube) => current.includes(tube));
}
