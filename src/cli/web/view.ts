import type { MonitorSnapshot, ServerRates, TubeRates } from '../../monitor/index.js';

/** How many samples each history chart keeps (a minute at the default interval). */
export const HISTORY_LENGTH = 60;

/** One tube as the page shows it: counts, rates and short histories. */
export interface TubeView {
  readonly name: string;
  readonly ready: number;
  readonly reserved: number;
  readonly delayed: number;
  readonly buried: number;
  readonly urgent: number;
  readonly waiting: number;
  readonly watching: number;
  readonly using: number;
  readonly total: number;
  /** Seconds left of a pause, 0 when not paused. */
  readonly pauseTimeLeft: number;
  readonly rates: TubeRates;
  /** Jobs in the tube (every state), oldest first. */
  readonly history: { readonly jobs: readonly number[] };
}

/** One beanstalkd as the page shows it. */
export interface ServerView {
  readonly index: number;
  readonly url: string;
  /** Why the last sample failed, or null while sampling works. */
  readonly error: string | null;
  readonly stats: Readonly<Record<string, number | string | boolean>> | null;
  readonly rates: ServerRates | null;
  /** Puts per second on the whole server, oldest first. */
  readonly history: { readonly puts: readonly number[] };
  readonly tubes: readonly TubeView[];
}

/** Everything the page draws, sent as one Server-Sent Event per update. */
export interface ConsoleView {
  readonly time: number;
  readonly servers: readonly ServerView[];
}

const SERVER_KEYS = [
  'version',
  'hostname',
  'pid',
  'uptime',
  'draining',
  'maxJobSize',
  'currentConnections',
  'currentProducers',
  'currentWorkers',
  'currentWaiting',
  'currentTubes',
  'currentJobsReady',
  'currentJobsReserved',
  'currentJobsDelayed',
  'currentJobsBuried',
  'totalJobs',
] as const;

function pushed(history: readonly number[] | undefined, value: number): number[] {
  const next = [...(history ?? []), Math.round(value * 100) / 100];
  return next.length > HISTORY_LENGTH ? next.slice(next.length - HISTORY_LENGTH) : next;
}

/** The page's view of one server, built from each monitor() snapshot with histories carried over. */
export class ServerViewKeeper {
  private current: ServerView;

  constructor(index: number, url: string) {
    this.current = {
      index,
      url,
      error: null,
      stats: null,
      rates: null,
      history: { puts: [] },
      tubes: [],
    };
  }

  /** The latest view, to send to the page. */
  get view(): ServerView {
    return this.current;
  }

  /** Takes a new snapshot: counts replace, histories grow, vanished tubes go. */
  update(snapshot: MonitorSnapshot): void {
    const before = new Map(this.current.tubes.map((tube) => [tube.name, tube]));
    const tubes = snapshot.tubes.map(({ name, stats, rates }): TubeView => {
      const jobs =
        stats.currentJobsReady + stats.currentJobsReserved + stats.currentJobsDelayed + stats.currentJobsBuried;
      const history = before.get(name)?.history;
      return {
        name,
        ready: stats.currentJobsReady,
        reserved: stats.currentJobsReserved,
        delayed: stats.currentJobsDelayed,
        buried: stats.currentJobsBuried,
        urgent: stats.currentJobsUrgent,
        waiting: stats.currentWaiting,
        watching: stats.currentWatching,
        using: stats.currentUsing,
        total: stats.totalJobs,
        pauseTimeLeft: stats.pause > 0 ? stats.pauseTimeLeft : 0,
        rates,
        history: { jobs: pushed(history?.jobs, jobs) },
      };
    });
    const stats = Object.fromEntries(SERVER_KEYS.map((key) => [key, snapshot.server[key]]));
    this.current = {
      ...this.current,
      error: null,
      stats,
      rates: snapshot.rates,
      history: { puts: pushed(this.current.history.puts, snapshot.rates.puts) },
      tubes,
    };
  }

  /** Records why sampling failed; the last counts stay visible beside the error. */
  fail(error: unknown): void {
    this.current = { ...this.current, error: error instanceof Error ? error.message : String(error) };
  }
}
