/**
 * Stats bodies are a tiny YAML subset: `---`, then `key: value` lines or `- item` lines.
 * A generic YAML loader gets them wrong (`os: #1 SMP` reads as null, a tube named `123`
 * as a number), so this reads lines and converts by key, keeping everything else a string.
 */

/** Server-wide counters from `stats`, keys in camelCase of the wire names. */
export interface ServerStats {
  readonly [key: string]: number | string | boolean;
  readonly currentJobsUrgent: number;
  readonly currentJobsReady: number;
  readonly currentJobsReserved: number;
  readonly currentJobsDelayed: number;
  readonly currentJobsBuried: number;
  readonly cmdPut: number;
  readonly cmdReserve: number;
  readonly cmdReserveWithTimeout: number;
  readonly cmdDelete: number;
  readonly cmdUse: number;
  readonly cmdWatch: number;
  readonly cmdIgnore: number;
  readonly jobTimeouts: number;
  readonly totalJobs: number;
  readonly maxJobSize: number;
  readonly currentTubes: number;
  readonly currentConnections: number;
  readonly currentProducers: number;
  readonly currentWorkers: number;
  readonly currentWaiting: number;
  readonly totalConnections: number;
  readonly pid: number;
  readonly version: string;
  readonly rusageUtime: number;
  readonly rusageStime: number;
  readonly uptime: number;
  readonly draining: boolean;
  readonly id: string;
  readonly hostname: string;
  readonly os: string;
  readonly platform: string;
}

/** Counters of one tube from `stats-tube`. */
export interface TubeStats {
  readonly [key: string]: number | string | boolean;
  readonly name: string;
  readonly currentJobsUrgent: number;
  readonly currentJobsReady: number;
  readonly currentJobsReserved: number;
  readonly currentJobsDelayed: number;
  readonly currentJobsBuried: number;
  readonly totalJobs: number;
  readonly currentUsing: number;
  readonly currentWatching: number;
  readonly currentWaiting: number;
  readonly cmdDelete: number;
  readonly cmdPauseTube: number;
  readonly pause: number;
  readonly pauseTimeLeft: number;
}

export type JobState = 'ready' | 'delayed' | 'reserved' | 'buried';

/** One job's state and history from `stats-job`; `timeLeft` can be negative (server bug, see notes). */
export interface JobStats {
  readonly [key: string]: number | string | boolean;
  readonly id: number;
  readonly tube: string;
  readonly state: JobState;
  readonly pri: number;
  readonly age: number;
  readonly delay: number;
  readonly ttr: number;
  readonly timeLeft: number;
  readonly file: number;
  readonly reserves: number;
  readonly timeouts: number;
  readonly releases: number;
  readonly buries: number;
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
