import type { JobStats } from '../protocol/stats.js';
import { MAX_UINT32, checkInteger } from '../protocol/validate.js';
import { InvalidArgumentError } from '../protocol/errors.js';

/** Jobs whose failures this worker remembers at most (the oldest are forgotten first). */
const MAX_REMEMBERED = 10000;

/**
 * Which attempt a job is on. The server's counters come first, so attempts survive
 * restarts: `releases` since the job was last buried, taking each bury as the end of a
 * round of `maxAttempts` attempts (so a job kicked after it was buried gets a fresh set).
 * Failures this worker saw itself are the fallback when stats-job fails, or when a
 * release never reached the server (the job came back with the same `releases`).
 */
export class AttemptCounter {
  private readonly failures = new Map<number, number>();

  constructor(private readonly maxAttempts: number) {}

  /** The attempt (1 for the first) a job is on now, from its stats when they could be read. */
  attempt(id: number, stats: JobStats | undefined): number {
    const local = (this.failures.get(id) ?? 0) + 1;
    if (!stats) return local;
    const server = stats.releases - (this.maxAttempts - 1) * stats.buries + 1;
    return Math.max(1, server, local);
  }

  /** A failed attempt, for the fallback count. */
  failed(id: number, attempt: number): void {
    this.failures.delete(id);
    this.failures.set(id, attempt);
    if (this.failures.size > MAX_REMEMBERED) this.failures.delete(this.failures.keys().next().value as number);
  }

  /** The job left this worker for good (deleted or buried): a kick starts it afresh. */
  forget(id: number): void {
    this.failures.delete(id);
  }
}

/** A backoff's answer as a delay the server takes: whole seconds from 0 to 2^32-1, or an error. */
export function toDelay(seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new InvalidArgumentError(`backoff must return a finite number of seconds, got ${String(seconds)}`);
  }
  return Math.min(MAX_UINT32, Math.max(0, Math.round(seconds)));
}

/** Worker options the server never sees, checked before anything is reserved. */
export interface CheckedOptions {
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly gracePeriodMs: number;
}

/** Validates the numeric worker options, so a bad one fails `work()` at once, not a job later. */
export function checkWorkOptions(options: {
  readonly concurrency?: number;
  readonly maxAttempts?: number;
  readonly gracePeriodMs?: number;
  readonly releasePriority?: number;
  readonly buryPriority?: number;
  readonly backoff?: unknown;
}): CheckedOptions {
  if (options.releasePriority !== undefined) checkInteger('releasePriority', options.releasePriority, 0, MAX_UINT32);
  if (options.buryPriority !== undefined) checkInteger('buryPriority', options.buryPriority, 0, MAX_UINT32);
  if (options.backoff !== undefined && typeof options.backoff !== 'function') {
    throw new InvalidArgumentError('backoff must be a function of the release count');
  }
  const grace = options.gracePeriodMs ?? 30000;
  if (typeof grace !== 'number' || Number.isNaN(grace) || grace < 0) {
    throw new InvalidArgumentError(`gracePeriodMs must be a number of ms >= 0 (or Infinity), got ${String(grace)}`);
  }
  return {
    concurrency: checkInteger('concurrency', options.concurrency ?? 1, 1, 10000),
    maxAttempts: checkInteger('maxAttempts', options.maxAttempts ?? 5, 1, MAX_UINT32),
    gracePeriodMs: grace,
  };
}
