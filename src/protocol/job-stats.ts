import type { JobState, JobStats } from './stats.js';

/*
 * drain and move read stats-job for every id they scan, so this body is decoded once per
 * job they handle. beanstalkd 1.12 always writes the same 14 keys in the same order,
 * unquoted, so this reads that exact layout straight from the bytes: no line strings, no
 * key conversion, one object of a fixed shape. Anything else (another order, an extra key,
 * 1.13's quoted strings, a fraction, a huge number) is left to the general reader.
 */

/** The wire keys of stats-job in beanstalkd's order, each with its `: `. */
const KEYS = [
  'id',
  'tube',
  'state',
  'pri',
  'age',
  'delay',
  'ttr',
  'time-left',
  'file',
  'reserves',
  'timeouts',
  'releases',
  'buries',
  'kicks',
].map((key) => Buffer.from(`${key}: `, 'latin1'));
const TUBE = 1;
const STATE = 2;
const STATES: readonly JobState[] = ['ready', 'delayed', 'reserved', 'buried'];
/** Digits that always fit a double exactly. */
const MAX_DIGITS = 15;

/** The tube name decoded last: a scan reads the same tube over and over. */
let lastTube = '';

/**
 * The job stats in `body` when it has 1.12's exact layout, else undefined (the caller then
 * reads it the general way, which gives the same result for every body this one accepts).
 */
export function readJobStatsLayout(body: Buffer): JobStats | undefined {
  const numbers: number[] = [];
  let tube = '';
  let state = '';
  let at = lineAfter(body, 0, '---');
  if (at < 0) return undefined;
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k];
    if (!startsWith(body, at, key)) return undefined;
    const from = at + key.length;
    let next = body.indexOf(10, from);
    if (next < 0) next = body.length;
    const to = body[next - 1] === 13 ? next - 1 : next;
    if (to <= from) return undefined;
    if (k === TUBE) {
      tube = text(body, from, to, lastTube);
      if (tube === '') return undefined;
      lastTube = tube;
    } else if (k === STATE) {
      state = knownState(body, from, to);
      if (state === '') return undefined;
    } else {
      const value = integer(body, from, to);
      if (value === undefined) return undefined;
      numbers.push(value);
    }
    at = next + 1;
  }
  if (at < body.length) return undefined;
  const [id, pri, age, delay, ttr, timeLeft, file, reserves, timeouts, releases, buries, kicks] = numbers;
  return {
    id,
    tube,
    state: state as JobState,
    pri,
    age,
    delay,
    ttr,
    timeLeft,
    file,
    reserves,
    timeouts,
    releases,
    buries,
    kicks,
  };
}

/** Where the line after `line` (which must start at `from`) begins, or -1. */
function lineAfter(body: Buffer, from: number, line: string): number {
  if (!startsWithText(body, from, line)) return -1;
  let at = from + line.length;
  if (body[at] === 13) at++;
  return body[at] === 10 ? at + 1 : -1;
}

function startsWith(body: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > body.length) return false;
  for (let i = 0; i < prefix.length; i++) if (body[at + i] !== prefix[i]) return false;
  return true;
}

/** Whether the bytes from `at` on begin with the ASCII `prefix` (kept apart from the Buffer one: one shape each). */
function startsWithText(body: Buffer, at: number, prefix: string): boolean {
  if (at + prefix.length > body.length) return false;
  for (let i = 0; i < prefix.length; i++) if (body[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** One of the four states, the very string constant, or ''. */
function knownState(body: Buffer, from: number, to: number): string {
  for (const state of STATES) if (state.length === to - from && startsWithText(body, from, state)) return state;
  return '';
}

/**
 * Plain ASCII text without quotes (tube names are ASCII), reusing `known` when it is the
 * same; '' for anything the general reader should see (quotes, other bytes).
 */
function text(body: Buffer, from: number, to: number, known: string): string {
  if (body[from] === 0x22) return '';
  for (let i = from; i < to; i++) if (body[i] < 0x21 || body[i] > 0x7e) return '';
  if (known.length === to - from && startsWithText(body, from, known)) return known;
  return body.toString('latin1', from, to);
}

/** `-?digits`, at most MAX_DIGITS of them; undefined for anything else. */
function integer(body: Buffer, from: number, to: number): number | undefined {
  const negative = body[from] === 45;
  let i = negative ? from + 1 : from;
  if (i === to || to - i > MAX_DIGITS) return undefined;
  let value = 0;
  for (; i < to; i++) {
    const digit = body[i] - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
