import type { PoolServer, PoolServerState } from './pool-server.js';

type StatsValue = number | string | boolean;

/** One server's part of a pooled query: its answer, or why there is none. */
export interface ServerAnswer<T> {
  /** The server asked. */
  readonly server: PoolServer;
  /** Its health when the query ran. */
  readonly state: PoolServerState;
  /** The server's own answer, when it gave one. */
  readonly value?: T;
  /** Why it gave none (down, timed out, NOT_FOUND...). */
  readonly error?: unknown;
}

/** Pooled stats: the sum over the servers that answered, and each server's own part. */
export interface PooledStats<T> {
  /** The answers that came back, added up (`max-job-size` is the smallest, `uptime` the youngest, `pause` the longest). */
  readonly total: T;
  /** Every server's own part, answered or not, in the pool's order. */
  readonly servers: readonly ServerAnswer<T>[];
}

/**
 * Counters that a sum would make meaningless, and how they combine instead: the smallest
 * `max-job-size` is what every server takes; `uptime` is the youngest server's; a tube is
 * paused as long as its longest pause anywhere. `pid` is the first server's.
 */
const COMBINE: Readonly<Record<string, (values: number[]) => number>> = {
  maxJobSize: (values) => Math.min(...values),
  uptime: (values) => Math.min(...values),
  pause: (values) => Math.max(...values),
  pauseTimeLeft: (values) => Math.max(...values),
  pid: (values) => values[0],
};

/**
 * Adds stats objects key by key: numbers are summed (except the keys above), booleans
 * are true if any is (`draining`), strings are kept when equal and listed, comma
 * separated, when they differ (`version`, `hostname`).
 */
export function sumStats<T extends Readonly<Record<string, StatsValue>>>(parts: readonly T[]): T {
  const out: Record<string, StatsValue> = {};
  const keys = new Set(parts.flatMap((part) => Object.keys(part)));
  for (const key of keys) {
    const values = parts.map((part) => part[key]).filter((value) => value !== undefined);
    if (values.every((value) => typeof value === 'number')) {
      const numbers = values;
      out[key] = COMBINE[key] ? COMBINE[key](numbers) : numbers.reduce((sum, n) => sum + n, 0);
    } else if (values.every((value) => typeof value === 'boolean')) {
      out[key] = values.some(Boolean);
    } else {
      out[key] = [...new Set(values.map(String))].join(', ');
    }
  }
  return out as T;
}
