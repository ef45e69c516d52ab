import type { ServerStats, TubeStats } from '../protocol/stats.js';

/** Per-second rates of the server-wide counters between two samples. */
export interface ServerRates {
  /** `put` commands per second (cmd-put). */
  readonly puts: number;
  /** `reserve` and `reserve-with-timeout` commands per second. */
  readonly reserves: number;
  /** `delete` commands per second. */
  readonly deletes: number;
  /** Jobs whose TTR ran out, per second (job-timeouts). */
  readonly timeouts: number;
  /** `bury` commands per second. */
  readonly buries: number;
  /** `kick` commands per second. */
  readonly kicks: number;
}

/** Per-second rates of one tube; beanstalkd counts only puts (total-jobs) and deletes per tube. */
export interface TubeRates {
  /** Jobs put into the tube per second (total-jobs). */
  readonly puts: number;
  /** `delete` commands on the tube's jobs per second. */
  readonly deletes: number;
}

/** One tube in a snapshot: its stats and its rates since the previous snapshot. */
export interface TubeSnapshot {
  /** The tube's name. */
  readonly name: string;
  /** The tube's stats at this sample. */
  readonly stats: TubeStats;
  /** The tube's rates since the previous snapshot. */
  readonly rates: TubeRates;
}

/** What `monitor()` emits at every sample. */
export interface MonitorSnapshot {
  /** When the sample's replies arrived (ms since the epoch). */
  readonly time: number;
  /** Milliseconds since the previous snapshot; 0 for the first, whose rates are all 0. */
  readonly elapsedMs: number;
  /** The server's stats at this sample. */
  readonly server: ServerStats;
  /** The server-wide counters' rates since the previous snapshot. */
  readonly rates: ServerRates;
  /** Every sampled tube that exists, sorted by name. */
  readonly tubes: readonly TubeSnapshot[];
  /** Tubes present now but not in the previous snapshot (empty for the first). */
  readonly appeared: readonly string[];
  /** Tubes present in the previous snapshot but gone now. */
  readonly disappeared: readonly string[];
}

/** One round of replies, before rates are worked out. */
export interface Sample {
  readonly time: number;
  readonly server: ServerStats;
  readonly tubes: readonly TubeStats[];
}

type Counters = Readonly<Record<string, number | string | boolean>>;

const counter = (stats: Counters | undefined, key: string): number => {
  const value = stats?.[key];
  return typeof value === 'number' ? value : 0;
};

/**
 * How much a counter grew, per second. A counter that went down (the server restarted, the
 * tube was gone and came back, a pool's server left the sum) says nothing about the
 * interval: its rate is 0 then, rather than a spike.
 */
function rate(now: Counters, before: Counters | undefined, keys: readonly string[], seconds: number): number {
  if (seconds <= 0) return 0;
  let growth = 0;
  for (const key of keys) {
    const current = counter(now, key);
    const previous = counter(before, key);
    if (current < previous) return 0;
    growth += current - previous;
  }
  return growth / seconds;
}

/** True when `before` is from an earlier run of the server: its counters mean nothing now. */
const restarted = (now: ServerStats, before: ServerStats): boolean =>
  now.pid !== before.pid || now.id !== before.id || counter(now, 'uptime') < counter(before, 'uptime');

/**
 * Turns a sample into a snapshot, with rates against the previous sample. A tube absent
 * from the previous sample was created since, so its counters grew from 0. After a restart
 * (or any change of the server set behind a pool) the rates are 0 for one interval.
 */
export function toSnapshot(sample: Sample, previous: Sample | undefined): MonitorSnapshot {
  const sameRun = previous !== undefined && !restarted(sample.server, previous.server);
  const seconds = sameRun ? (sample.time - previous.time) / 1000 : 0;
  const before = new Map(sameRun ? previous.tubes.map((tube) => [tube.name, tube]) : []);
  const server = sameRun ? previous.server : undefined;
  const tubes = [...sample.tubes]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((stats) => ({
      name: stats.name,
      stats,
      rates: {
        puts: rate(stats, before.get(stats.name), ['totalJobs'], seconds),
        deletes: rate(stats, before.get(stats.name), ['cmdDelete'], seconds),
      },
    }));
  const names = new Set(tubes.map((tube) => tube.name));
  const previousNames = new Set(previous?.tubes.map((tube) => tube.name));
  return {
    time: sample.time,
    elapsedMs: previous ? sample.time - previous.time : 0,
    server: sample.server,
    rates: {
      puts: rate(sample.server, server, ['cmdPut'], seconds),
      reserves: rate(sample.server, server, ['cmdReserve', 'cmdReserveWithTimeout'], seconds),
      deletes: rate(sample.server, server, ['cmdDelete'], seconds),
      timeouts: rate(sample.server, server, ['jobTimeouts'], seconds),
      buries: rate(sample.server, server, ['cmdBury'], seconds),
      kicks: rate(sample.server, server, ['cmdKick'], seconds),
    },
    tubes,
    appeared: previous ? [...names].filter((name) => !previousNames.has(name)) : [],
    disappeared: [...previousNames].filter((name) => !names.has(name)).sort(),
  };
}
