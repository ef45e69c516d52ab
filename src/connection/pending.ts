import type { Unsubscribable } from 'rxjs';
import type { Command } from '../protocol/commands.js';
import type { Admission } from './admission.js';

/** Where a command's outcome goes: a Subscriber, or any object with its three methods. */
export interface CommandSink<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * A command waiting to be written or waiting for its reply. The library's own tube
 * commands have no sink. It is its own teardown: unsubscribing only marks it, so its reply
 * is still consumed in order and dropped, and it stops counting against the limits at once.
 */
export class Pending implements Unsubscribable {
  cancelled = false;
  written = false;
  /** Still counted by `admission` (a live command of the caller's). */
  counted = false;
  resends = 0;
  /** Bytes it takes on the wire (line and body), as counted by `admission`. */
  bytes = 0;
  /** The writer's byte count once this command's last byte is written. */
  sentBy = 0;
  /** When it started waiting for a lost connection (Date.now()), or 0. */
  offlineSince = 0;

  constructor(
    readonly command: Command<unknown>,
    readonly subscriber: CommandSink<unknown> | undefined,
    readonly admission?: Admission,
  ) {}

  /** Fails the command: it stops counting against the limits first. */
  fail(error: Error): void {
    this.admission?.release(this);
    this.subscriber?.error(error);
  }

  unsubscribe(): void {
    this.cancelled = true;
    this.admission?.release(this);
  }
}
