'use strict';
// Medians and formatting.

function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function fmtValue(x, unit) {
  if (!Number.isFinite(x)) return '—';
  if (unit.endsWith('/s')) return x >= 1000 ? `${(x / 1000).toFixed(1)}k/s` : `${x.toFixed(0)}/s`;
  if (unit === 'µs') return `${x.toFixed(0)} µs`;
  if (unit === 'MB') return `${x.toFixed(0)} MB`;
  return `${x.toFixed(1)} ${unit}`;
}

const fmtRatio = (r) => (Number.isFinite(r) ? r.toFixed(2) : '—');

module.exports = { median, fmtValue, fmtRatio };
