import type { JobStats } from '../protocol/stats.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A job as JSON: the body as UTF-8 text when it is valid UTF-8, base64 otherwise. */
export function jobJson(id: number, body: Buffer, stats?: JobStats): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = strictUtf8.decode(body);
  } catch {
    text = undefined;
  }
  return {
    id,
    bytes: body.length,
    encoding: text === undefined ? 'base64' : 'utf8',
    body: text ?? body.toString('base64'),
    ...(stats ? { stats } : {}),
  };
}

/** A body on one line for people: control characters escaped, cut at `max` characters. */
export function preview(body: Buffer, max: number): string {
  const text = body
    .subarray(0, Math.max(max * 4, 64))
    .toString('utf8')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '.'));
  return text.length > max || body.length > max * 4 ? text.slice(0, Math.max(0, max - 1)) + '…' : text;
}

/** `currentJobsReady` → `current-jobs-ready`, the names people know from the protocol. */
export const wireName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Stats as aligned `key: value` lines, with the protocol's key names. */
export function keyValueLines(stats: Readonly<Record<string, unknown>>): string[] {
  const keys = Object.keys(stats).map(wireName);
  const width = Math.max(0, ...keys.map((key) => key.length));
  return Object.values(stats).map((value, i) => `${(keys[i] + ':').padEnd(width + 1)} ${String(value)}`);
}

/** One column of a table: header, how to read a row, and alignment. */
export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string | number;
  readonly align?: 'left' | 'right';
  /** Colours a cell after padding (so escape codes do not upset the widths). */
  readonly paint?: (text: string, row: Row) => string;
}

/** Rows as an aligned text table with a header line. */
export function table<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  paintHeader = (s: string) => s,
): string[] {
  const cells = rows.map((row) => columns.map((column) => String(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)));
  const pad = (text: string, i: number) =>
    columns[i].align === 'left' ? text.padEnd(widths[i]) : text.padStart(widths[i]);
  const header = paintHeader(
    columns
      .map((column, i) => pad(column.header, i))
      .join('  ')
      .trimEnd(),
  );
  const lines = cells.map((line, r) =>
    line
      .map((text, i) => {
        const padded = pad(text, i);
        const paint = columns[i].paint;
        return paint ? paint(padded, rows[r]) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
  return [header, ...lines];
}

/** Seconds as `3d 4h`, `5h 6m`, `7m 8s` or `9s`. */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** A rate for a narrow column: `0`, `12`, `3.4k`, `1.2M`. */
export function compactRate(perSecond: number): string {
  if (perSecond < 0.05) return '0';
  if (perSecond < 10) return perSecond.toFixed(1).replace(/\.0$/, '');
  if (perSecond < 1000) return String(Math.round(perSecond));
  if (perSecond < 1e6) return `${(perSecond / 1000).toFixed(1)}k`;
  return `${(perSecond / 1e6).toFixed(1)}M`;
}
