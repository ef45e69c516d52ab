import { InvalidArgumentError as UsageArgumentError } from 'commander';
import { parseAddress } from '../connection/address.js';
import { MAX_RESERVE_TIMEOUT, MAX_UINT32, checkTubeName } from '../protocol/validate.js';

/** Argument parsers for commander: each refuses bad input before anything is sent. */

function integer(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new UsageArgumentError(`${what} must be a whole number, got "${value}"`);
    const number = Number(value.trim());
    if (number < min || number > max)
      throw new UsageArgumentError(`${what} must be from ${min} to ${max}, got ${value}`);
    return number;
  };
}

/** Priorities 0..2^32-1. */
export const parsePriority = integer('priority', 0, MAX_UINT32);
/** Delays and pauses in whole seconds. */
export const parseSeconds = integer('seconds', 0, MAX_UINT32);
/** TTR: at least 1 s. */
export const parseTtr = integer('TTR', 1, MAX_UINT32);
/** reserve-with-timeout seconds (beanstalkd 1.12 reads them into a C int). */
export const parseTimeout = integer('timeout', 0, MAX_RESERVE_TIMEOUT);
/** How many jobs (kick, bury, tail --count). */
export const parseCount = integer('count', 1, MAX_UINT32);
/** Job ids: positive safe integers. */
export const parseJobId = integer('job id', 1, Number.MAX_SAFE_INTEGER);
/** Sampling intervals in milliseconds. */
export const parseIntervalMs = integer('interval', 50, 3600000);

/** A tube name, checked as the library checks it. */
export function parseTube(value: string): string {
  try {
    return checkTubeName(value);
  } catch (error) {
    throw new UsageArgumentError((error as Error).message);
  }
}

/** Checks a server URL early, so a typo is a usage error and not a connection error. */
export function checkUrl(url: string): string {
  try {
    parseAddress(url);
    return url;
  } catch (error) {
    throw new UsageArgumentError(`bad server URL "${url}": ${(error as Error).message}`);
  }
}

/** The states drain and move work on (reserved jobs belong to their worker). */
export const JOB_STATES = ['ready', 'delayed', 'buried'] as const;
/** One of JOB_STATES. */
export type MovableState = (typeof JOB_STATES)[number];

/** `ready`, or a comma-separated list such as `ready,buried`. */
export function parseStates(value: string): MovableState[] {
  const states = value.split(',').map((state) => state.trim());
  for (const state of states) {
    if (!(JOB_STATES as readonly string[]).includes(state)) {
      throw new UsageArgumentError(`state must be ready, delayed or buried (or a comma list), got "${state}"`);
    }
  }
  return [...new Set(states)] as MovableState[];
}
