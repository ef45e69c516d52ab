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

/** `current-jobs-ready` → `currentJobsReady`. */
export const camelCase = (key: string): string => key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Strips one pair of double quotes, as beanstalkd 1.13 writes string values. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return value;
}

function lines(body: Uint8Array): string[] {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString('utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '' && line !== '---');
}

/**
 * Reads a `key: value` stats body. Numbers become numbers, `draining` a boolean,
 * the string keys (and any value that is not a plain number) stay strings.
 * `id` is a number in job stats but a hex string in server stats: `numericId` says which.
 */
function decodeMap(body: Uint8Array, numericId: boolean): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const line of lines(body)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const raw = unquote(line.slice(colon + 1).trim());
    out[camelCase(key)] = convert(key, raw, numericId);
  }
  return out;
}

function convert(key: string, raw: string, numericId: boolean): number | string | boolean {
  if (key === 'draining') return raw === 'true';
  if (STRING_KEYS.has(key) && !(key === 'id' && numericId)) return raw;
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
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
