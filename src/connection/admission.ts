import type { Command } from '../protocol/commands.js';
import type { Pending } from './pending.js';

/** The limits `Admission` enforces. */
export interface AdmissionLimits {
  readonly maxPendingCommands: number;
  readonly maxPendingBytes: number;
  readonly maxOfflineQueue: number;
}

/**
 * Counts the live commands of one connection (queued and in flight, in number and bytes,
 * and those not yet written) and refuses new ones past the limits, so a frozen server or a
 * long outage cannot make a producer grow memory without bound. Commands the caller gave up
 * (unsubscribed) stop counting at once, even while they still sit in a queue.
 */
export class Admission {
  /** Live commands queued or in flight. */
  count = 0;
  /** Their bytes on the wire. */
  bytes = 0;
  /** Live commands not yet written (the offline queue, while disconnected). */
  queued = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Why `command` cannot be taken now, or undefined when it can. */
  refusal(command: Command<unknown>, offline: boolean): string | undefined {
    const { maxPendingCommands, maxPendingBytes, maxOfflineQueue } = this.limits;
    if (offline && this.queued >= maxOfflineQueue) return `offline queue is full (${maxOfflineQueue} commands)`;
    if (this.count >= maxPendingCommands) return `too many commands waiting (${maxPendingCommands})`;
    // One command larger than the byte limit is still taken when nothing else waits.
    if (this.count > 0 && this.bytes + sizeOf(command) > maxPendingBytes) {
      return `too many bytes waiting (over ${maxPendingBytes})`;
    }
    return undefined;
  }

  admit(pending: Pending): void {
    pending.counted = true;
    pending.bytes = sizeOf(pending.command);
    this.count++;
    this.bytes += pending.bytes;
    this.queued++;
  }

  /** The command was written (true) or is queued again to be resent (false). */
  setWritten(pending: Pending, written: boolean): void {
    pending.written = written;
    if (pending.counted) this.queued += written ? -1 : 1;
  }

  /** The command settled or was given up: it no longer counts. */
  release(pending: Pending): void {
    if (!pending.counted) return;
    pending.counted = false;
    this.count--;
    this.bytes -= pending.bytes;
    if (!pending.written) this.queued--;
  }
}

function sizeOf(command: Command<unknown>): number {
  const body = command.body;
  return command.line.length + (body ? body.length : 0);
}
