/**
 * Stats bodies are a tiny YAML subset: `---`, then `key: value` lines or `- item` lines.
 * A generic YAML loader gets them wrong (`os: #1 SMP` reads as null, a tube named `123`
 * as a number), so this reads lines and converts by key, keeping everything else a string.
 */

/** Server-wide counters from `stats`, keys in camelCase of the wire names. */
export interface ServerStats {
  readonly [key: string]: number | string | boolean;
  /** Ready jobs with a priority below 1024. */
  readonly currentJobsUrgent: number;
  /** Jobs waiting to be reserved. */
  readonly currentJobsReady: number;
  /** Jobs reserved by some worker right now. */
  readonly currentJobsReserved: number;
  /** Jobs waiting out a delay. */
  readonly currentJobsDelayed: number;
  /** Buried jobs, waiting for a kick. */
  readonly currentJobsBuried: number;
  /** `put` commands since the server started (counters reset on restart). */
  readonly cmdPut: number;
  /** `reserve` commands. */
  readonly cmdReserve: number;
  /** `reserve-with-timeout` commands. */
  readonly cmdReserveWithTimeout: number;
  /** `delete` commands. */
  readonly cmdDelete: number;
  /** `use` commands. */
  readonly cmdUse: number;
  /** `watch` commands. */
  readonly cmdWatch: number;
  /** `ignore` commands. */
  readonly cmdIgnore: number;
  /** Times a reserved job ran out of TTR and went back to ready. */
  readonly jobTimeouts: number;
  /** Jobs put since the server started. */
  readonly totalJobs: number;
  /** The largest body the server accepts, in bytes (`-z`). */
  readonly maxJobSize: number;
  /** Tubes that exist now. */
  readonly currentTubes: number;
  /** Open connections. */
  readonly currentConnections: number;
  /** Open connections that have put a job. */
  readonly currentProducers: number;
  /** Open connections that have reserved. */
  readonly currentWorkers: number;
  /** Connections blocked in a reserve right now. */
  readonly currentWaiting: number;
  /** Connections accepted since the server started. */
  readonly totalConnections: number;
  /** The server's process id. */
  readonly pid: number;
  /** The server's version, e.g. `1.12`. */
  readonly version: string;
  /** CPU seconds the server spent in user mode. */
  readonly rusageUtime: number;
  /** CPU seconds the server spent in the kernel. */
  readonly rusageStime: number;
  /** Seconds since the server started. */
  readonly uptime: number;
  /** True once the server is in drain mode and refuses puts. */
  readonly draining: boolean;
  /** A random id of this server process (16 hex characters). */
  readonly id: string;
  /** The server machine's host name. */
  readonly hostname: string;
  /** The server's operating system release. */
  readonly os: string;
  /** The server's machine type, e.g. `x86_64`. */
  readonly platform: string;
}

/** Counters of one tube from `stats-tube`. */
export interface TubeStats {
  readonly [key: string]: number | string | boolean;
  /** The tube's name. */
  readonly name: string;
  /** Ready jobs with a priority below 1024. */
  readonly currentJobsUrgent: number;
  /** Jobs waiting to be reserved. */
  readonly currentJobsReady: number;
  /** Jobs reserved by some worker right now. */
  readonly currentJobsReserved: number;
  /** Jobs waiting out a delay. */
  readonly currentJobsDelayed: number;
  /** Buried jobs, waiting for a kick. */
  readonly currentJobsBuried: number;
  /** Jobs put into this tube since the server started. */
  readonly totalJobs: number;
  /** Connections using this tube (putting into it). */
  readonly currentUsing: number;
  /** Connections watching this tube. */
  readonly currentWatching: number;
  /** Connections watching this tube and blocked in a reserve. */
  readonly currentWaiting: number;
  /** `delete` commands for jobs of this tube. */
  readonly cmdDelete: number;
  /** `pause-tube` commands for this tube. */
  readonly cmdPauseTube: number;
  /** Seconds of the current pause, 0 when not paused. */
  readonly pause: number;
  /** Seconds left of the current pause (truncated). */
  readonly pauseTimeLeft: number;
}

/** Where a job is: waiting to be reserved, waiting out a delay, reserved by a worker, or buried. */
export type JobState = 'ready' | 'delayed' | 'reserved' | 'buried';

/** One job's state and history from `stats-job`; `timeLeft` can be negative (server bug, see notes). */
export interface JobStats {
  readonly [key: string]: number | string | boolean;
  /** The job's id. */
  readonly id: number;
  /** The tube the job is in. */
  readonly tube: string;
  /** ready, delayed, reserved or buried. */
  readonly state: JobState;
  /** Its priority: 0 is the most urgent. */
  readonly pri: number;
  /** Seconds since it was put. */
  readonly age: number;
  /** The last delay it was given (by put or release), in seconds. */
  readonly delay: number;
  /** Its time to run, in seconds. */
  readonly ttr: number;
  /** Seconds until a reserved job times out or a delayed one becomes ready; 0 otherwise. */
  readonly timeLeft: number;
  /** The binlog file it is in (0 without `-b`). */
  readonly file: number;
  /** Times it was reserved. */
  readonly reserves: number;
  /** Times it ran out of TTR while reserved. */
  readonly timeouts: number;
  /** Times it was released (the worker counts attempts from this). */
  readonly releases: number;
  /** Times it was buried. */
  readonly buries: number;
  /** Times it was kicked. */
  readonly kicks: number;
}

/** Keys whose values stay strings (everything else numeric, `draining` boolean). */
const STRING_KEYS = new Set(['version', 'id', 'hostname', 'os', 'platform', 'name', 'tube', 'state']);

/** Keys seen so far, converted: a server sends the same few dozen keys in every stats body. Bounded. */
const camelKeys = new Map<string, string>();

/** `current-jobs-ready` → `currentJobsReady`. */
export function camelCase(key: string): string {
  let camel = camelKeys.get(key);
  if (camel === undefined) {
    camel = key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (camelKeys.size < 256) camelKeys.set(key, camel);
  }
  return camel;
}

/** Strips one pair of double quotes, as beanstalkd 1.13 writes string values. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return value;
}

function text(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Each line of a stats body without its line end, skipping empty lines and `---`. */
function forEachLine(body: Uint8Array, visit: (line: string) => void): void {
  const all = text(body);
  for (let start = 0; start < all.length;) {
    let end = all.indexOf('\n', start);
    if (end < 0) end = all.length;
    const line = all.charCodeAt(end - 1) === 13 ? all.slice(start, end - 1) : all.slice(start, end);
    start = end + 1;
    if (line !== '' && line !== '---') visit(line);
  }
}

function lines(body: Uint8Array): string[] {
  const out: string[] = [];
  forEachLine(body, (line) => out.push(line));
  return out;
}

/**
 * Reads a `key: value` stats body. Numbers become numbers, `draining` a boolean,
 * the string keys (and any value that is not a plain number) stay strings.
 * `id` is a number in job stats but a hex string in server stats: `numericId` says which.
 * One pass over the text, no regular expression per line: drain and move read
 * stats-job for every id they scan.
 */
function decodeMap(body: Uint8Array, numericId: boolean): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  forEachLine(body, (line) => {
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const key = line.slice(0, colon).trim();
    const raw = unquote(line.slice(colon + 1).trim());
    out[camelCase(key)] = convert(key, raw, numericId);
  });
  return out;
}

/** True for `-?digits(.digits)?`, the numbers stats bodies carry. */
function isPlainNumber(raw: string): boolean {
  let i = raw.charCodeAt(0) === 45 ? 1 : 0;
  const digitsFrom = i;
  while (i < raw.length && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
  if (i === digitsFrom) return false;
  if (i === raw.length) return true;
  if (raw.charCodeAt(i) !== 46) return false;
  const fractionFrom = ++i;
  while (i < raw.length && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
  return i > fractionFrom && i === raw.length;
}

function convert(key: string, raw: string, numericId: boolean): number | string | boolean {
  if (key === 'draining') return raw === 'true';
  if (STRING_KEYS.has(key) && !(key === 'id' && numericId)) return raw;
  return isPlainNumber(raw) ? Number(raw) : raw;
}

export const decodeServerStats = (body: Uint8Array): ServerStats => decodeMap(body, false) as unknown as ServerStats;
export const decodeTubeStats = (body: Uint8Array): TubeStats => decodeMap(body, false) as unknown as TubeStats;
export const decodeJobStats = (body: Uint8Array): JobStats => decodeMap(body, true) as unknown as JobStats;

/** Reads a `- item` list body (list-tubes, list-tubes-watched); names stay strings. */
export function decodeTubeList(body: Uint8Array): string[] {
  return lines(body)
    .filter((line) => line.startsWith('-'))
    .map((line) => unquote(line.slice(1).trim()));
}
