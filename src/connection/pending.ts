import type { Unsubscribable } from 'rxjs';
import type { Command } from '../protocol/commands.js';

/** Where a command's outcome goes: a Subscriber, or any object with its three methods. */
export interface CommandSink<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * A command waiting to be written or waiting for its reply. The library's own tube
 * commands have no sink. It is its own teardown: unsubscribing only marks it, so its reply
 * is still consumed in order and dropped.
 */
export class Pending implements Unsubscribable {
  cancelled = false;
  written = false;
  resends = 0;

  constructor(
    readonly command: Command<unknown>,
    readonly subscriber: CommandSink<unknown> | undefined,
  ) {}

  unsubscribe(): void {
    this.cancelled = true;
  }
}
