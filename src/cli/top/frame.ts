import type { Colors } from 'picocolors/types';
import type { MonitorSnapshot, TubeSnapshot } from '../../monitor/index.js';
import { compactRate, duration, table } from '../format.js';
import { sparkline } from './sparkline.js';

/** The keys top can sort tubes by (the `s` key cycles through them). */
export const SORT_KEYS = ['name', 'ready', 'reserved', 'delayed', 'buried', 'waiting', 'puts', 'deletes'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Everything one frame shows. */
export interface FrameState {
  readonly url: string;
  readonly snapshot: MonitorSnapshot;
  /** Ready counts per tube, oldest first, for the sparklines. */
  readonly history: ReadonlyMap<string, readonly number[]>;
  readonly sort: SortKey;
  /** A problem to show in the status line (connection lost...). */
  readonly status?: string;
  readonly width: number;
  /** Lines available; Infinity when printing once to a pipe. */
  readonly height: number;
  readonly colours: Colors;
  readonly now: Date;
  /** Whether to show the key help (only in the live view). */
  readonly live: boolean;
}

/** Samples (and characters) per sparkline. */
export const SPARK_WIDTH = 20;

/** What each sort key compares: a tube's name, or one of its counts or rates. */
const SORT_VALUE: Record<SortKey, (tube: TubeSnapshot) => number | string> = {
  name: (tube) => tube.name,
  ready: (tube) => tube.stats.currentJobsReady,
  reserved: (tube) => tube.stats.currentJobsReserved,
  delayed: (tube) => tube.stats.currentJobsDelayed,
  buried: (tube) => tube.stats.currentJobsBuried,
  waiting: (tube) => tube.stats.currentWaiting,
  puts: (tube) => tube.rates.puts,
  deletes: (tube) => tube.rates.deletes,
};

/** Tubes in display order: by name ascending, any count descending (ties by name). */
export function sortTubes(tubes: readonly TubeSnapshot[], key: SortKey): TubeSnapshot[] {
  return [...tubes].sort((a, b) => {
    const x = SORT_VALUE[key](a);
    const y = SORT_VALUE[key](b);
    if (typeof x === 'number' && typeof y === 'number' && x !== y) return y - x;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** One full screen of top as lines, each cut to the width. */
export function renderFrame(state: FrameState): string[] {
  const { snapshot, colours: c } = state;
  const s = snapshot.server;
  const r = snapshot.rates;
  const header = [
    `${c.bold('rxbs top')}  ${state.url}  beanstalkd ${s.version}  up ${duration(s.uptime)}  ${state.now.toISOString().slice(11, 19)}`,
    `connections ${s.currentConnections} (${s.currentProducers} producers, ${s.currentWorkers} workers, ${s.currentWaiting} waiting)` +
      `  jobs: ${s.currentJobsReady} ready, ${s.currentJobsReserved} reserved, ${s.currentJobsDelayed} delayed, ` +
      (s.currentJobsBuried > 0 ? c.red(`${s.currentJobsBuried} buried`) : `${s.currentJobsBuried} buried`),
    `jobs/s: put ${compactRate(r.puts)}  reserve ${compactRate(r.reserves)}  delete ${compactRate(r.deletes)}` +
      `  bury ${compactRate(r.buries)}  kick ${compactRate(r.kicks)}  timeout ${compactRate(r.timeouts)}`,
    `${snapshot.tubes.length} tubes, sorted by ${state.sort}` + (state.live ? c.dim('   s: sort   q: quit') : ''),
    state.status ? c.yellow(state.status) : '',
  ];
  const tubes = sortTubes(snapshot.tubes, state.sort);
  const room = Number.isFinite(state.height) ? Math.max(1, state.height - header.length - 2) : tubes.length;
  const shown = tubes.length > room ? tubes.slice(0, room - 1) : tubes;
  const buried = (t: TubeSnapshot) => t.stats.currentJobsBuried > 0;
  const rows = table(
    shown,
    [
      { header: 'TUBE', value: (t) => t.name, align: 'left', paint: (text, t) => (buried(t) ? c.red(text) : text) },
      { header: 'READY', value: (t) => t.stats.currentJobsReady },
      { header: 'RESERVED', value: (t) => t.stats.currentJobsReserved },
      { header: 'DELAYED', value: (t) => t.stats.currentJobsDelayed },
      {
        header: 'BURIED',
        value: (t) => t.stats.currentJobsBuried,
        paint: (text, t) => (buried(t) ? c.bold(c.red(text)) : text),
      },
      { header: 'WAITING', value: (t) => t.stats.currentWaiting },
      { header: 'PUT/s', value: (t) => compactRate(t.rates.puts) },
      { header: 'DEL/s', value: (t) => compactRate(t.rates.deletes) },
      { header: 'PAUSED', value: (t) => (t.stats.pauseTimeLeft > 0 ? duration(t.stats.pauseTimeLeft) : '') },
      {
        header: 'READY, LAST 20 SAMPLES',
        value: (t) => sparkline(state.history.get(t.name) ?? [], SPARK_WIDTH),
        align: 'left',
        paint: (text) => c.cyan(text),
      },
    ],
    (text) => c.inverse(c.bold(text)),
  );
  const more = tubes.length - shown.length;
  const lines = [...header, ...rows, ...(more > 0 ? [c.dim(`… ${more} more tubes`)] : [])];
  return lines.map((line) => cut(line, state.width));
}

/** Cuts a line with colour codes to `width` visible characters. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  // eslint-disable-next-line no-control-regex
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) {
      out += part;
      continue;
    }
    const chars = [...part];
    const take = Math.max(0, Math.min(chars.length, width - visible));
    out += chars.slice(0, take).join('');
    visible += take;
  }
  return out;
}
