const BARS = '▁▂▃▄▅▆▇█';

/** A series as a row of block characters, scaled to its own largest value; `width` characters, right-aligned. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  const bars = shown.map((value) =>
    max <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.round((Math.max(0, value) / max) * (BARS.length - 1)))],
  );
  return bars.join('').padStart(width);
}
