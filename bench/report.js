'use strict';
// Markdown tables (per scenario and a summary) and bench/RESULTS.md.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { serverVersion } = require('./server');
const { median, fmtValue, fmtRatio } = require('./stats');

/** How the detail column names each raw reference a client is compared with. */
const REFERENCE_NAMES = {
  'raw-pipelined': 'the 1-socket pipelined ceiling',
  'raw-chained': 'raw chained',
  'rx-8-connections': "today's lanes",
};

const COMMAND = 'cd bench && npm install && npm run bench   # from the root: npm --prefix bench run bench';

/**
 * Per client: medians of the value, of the per-run ratios to the raw measurement taken
 * beside it (`r.raw`), and of the ratios to each raw reference the scenario also runs
 * (`alsoRuns`, e.g. the 1-socket pipelined ceiling) in the same run.
 */
function summarize(entry) {
  const references = (entry.scenario.alsoRuns || []).filter((k) => entry.clients[k]);
  const out = {};
  for (const [key, c] of Object.entries(entry.clients)) {
    const ok = c.runs.filter((r) => r && !r.error);
    const ratios = c.runs.map((r) => (r && !r.error && r.raw ? r.value / r.raw : NaN));
    const refRatios = {};
    for (const refKey of references) {
      const ref = entry.clients[refKey];
      refRatios[refKey] = median(key === 'raw'
        // raw's runs are not one per run: raw against a reference is the raw run beside each reference run.
        ? ref.runs.map((p) => (p && !p.error && p.raw ? p.raw / p.value : NaN))
        : c.runs.map((r, i) => (r && !r.error && ref.runs[i] && ref.runs[i].value ? r.value / ref.runs[i].value : NaN)));
    }
    const extra = (k) => median(ok.map((r) => r.extra && r.extra[k]));
    out[key] = {
      ...c,
      key,
      value: median(ok.map((r) => r.value)),
      ratio: median(ratios),
      ratioSpread: quartiles(ratios),
      refRatios,
      extra,
      errors: c.runs.filter((r) => r && r.error).map((r) => r.error),
      mismatches: c.runs.filter((r) => r && r.mismatch && r.mismatch.length).map((r) => r.mismatch.join('; ')),
      values: c.runs.map((r) => (r && !r.error ? r.value : NaN)),
    };
  }
  return out;
}

/** The first and third quartiles of the finite `values` (the spread of paired ratios), or null under 4 runs. */
function quartiles(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length < 4) return null;
  const at = (q) => {
    const i = (v.length - 1) * q;
    return v[Math.floor(i)] + (v[Math.ceil(i)] - v[Math.floor(i)]) * (i - Math.floor(i));
  };
  return [at(0.25), at(0.75)];
}

function extraText(id, s) {
  switch (id) {
    case 'put-latency': return `p99 ${s.extra('p99').toFixed(0)} µs`;
    case 'million': return `${s.extra('cpuPer100k').toFixed(2)} CPU s/100k puts; ${(s.extra('n') / 1000).toFixed(0)}k puts at ${fmtValue(s.extra('putsPerSec'), 'puts/s')}`;
    case 'big-bodies': return `${s.extra('MBps').toFixed(0)} MB/s of bodies`;
    case 'writes-256': return `${s.extra('writes')} writes for ${s.extra('n')} puts`;
    case 'reserve-delete-conns': return `server CPU ${s.extra('serverCpuUsPerJob').toFixed(1)} µs/job`;
    default: return '';
  }
}

/** The detail cell: the scenario's own extra figures, then the ratios to its raw references. */
function detailText(id, s) {
  const references = Object.entries(s.refRatios)
    .filter(([k, r]) => k !== s.key && Number.isFinite(r))
    .map(([k, r]) => `${fmtRatio(r)} of ${REFERENCE_NAMES[k] || k}`);
  return [extraText(id, s), ...references].filter(Boolean).join('; ');
}

function status(s) {
  if (s.skip) return `skipped: ${s.skip}`;
  const bits = [];
  if (s.note) bits.push(s.note);
  if (s.errors.length) bits.push(`FAILED ${s.errors.length}×: ${s.errors[0]}`);
  if (s.mismatches.length) bits.push(`**STATS MISMATCH**: ${s.mismatches[0]}`);
  else if (!s.errors.length) bits.push('stats ok');
  return bits.join('; ');
}

/** The runs cell: every value, or for raw (one measurement beside each client's) a summary. */
function runsText(s, unit) {
  const values = s.values.filter(Number.isFinite);
  if (s.key !== 'raw' || values.length <= 20) return s.values.map((v) => fmtValue(v, unit)).join(', ');
  const sorted = [...values].sort((a, b) => a - b);
  return `${values.length} measurements, one beside each client's; ${fmtValue(sorted[0], unit)} to ${fmtValue(sorted[sorted.length - 1], unit)}`;
}

function scenarioTable(entry) {
  const { scenario } = entry;
  const sums = summarize(entry);
  const lines = [
    `### ${scenario.title}`,
    '',
    `| client | median | ratio to ${scenario.reference || 'raw'} (median of per-run) | runs | detail | check |`,
    '|---|---|---|---|---|---|',
  ];
  for (const s of Object.values(sums)) {
    const runs = s.skip ? '' : runsText(s, scenario.unit);
    const spread = s.ratioSpread ? ` (IQR ${fmtRatio(s.ratioSpread[0])}–${fmtRatio(s.ratioSpread[1])})` : '';
    lines.push(`| ${s.name} | ${s.skip ? '—' : fmtValue(s.value, scenario.unit)} | ${s.skip ? '—' : fmtRatio(s.ratio) + spread} | ${runs} | ${s.skip ? '' : detailText(scenario.id, s)} | ${status(s)} |`);
  }
  const ref = scenario.reference || 'raw';
  const dir = scenario.better === 'lower' ? `lower is better; ratio = client/${ref}, so below 1 beats ${ref}` : `higher is better; ratio = client/${ref}`;
  lines.push('', `_${scenario.unit}, ${dir}._`, '');
  return lines.join('\n');
}

function summaryTable(results) {
  const keys = [];
  for (const e of results) for (const k of Object.keys(e.clients)) if (!keys.includes(k)) keys.push(k);
  const names = keys.map((k) => results.map((e) => e.clients[k]).find(Boolean).name);
  const lines = [`| scenario | ${names.join(' | ')} |`, `|---|${keys.map(() => '---').join('|')}|`];
  for (const e of results) {
    const sums = summarize(e);
    const cells = keys.map((k) => {
      const s = sums[k];
      if (!s) return '';
      if (s.skip) return `n/a (${s.skip})`;
      if (!Number.isFinite(s.value)) return `FAILED (${s.errors[0] || 'no result'})`;
      let cell = `${fmtValue(s.value, e.scenario.unit)} (${fmtRatio(s.ratio)})`;
      if (e.scenario.id === 'put-latency') cell = `${fmtValue(s.value, 'µs')}, p99 ${s.extra('p99').toFixed(0)} (${fmtRatio(s.ratio)})`;
      if (e.scenario.id === 'million') cell = `${fmtValue(s.value, 'MB')}, ${s.extra('cpuPer100k').toFixed(2)} s/100k${s.extra('n') !== 1e6 ? ` [${(s.extra('n') / 1000).toFixed(0)}k puts]` : ''}`;
      if (e.scenario.id === 'writes-256') cell = s.value.toFixed(1);
      if (s.note) cell += ' ‡';
      if (s.mismatches.length) cell += ' **MISMATCH**';
      if (s.errors.length) cell += ` (${s.errors.length} failed)`;
      return cell;
    });
    lines.push(`| ${e.scenario.title} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function machineNotes() {
  const cpus = os.cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- command: \`${COMMAND}\`${process.env.RUNS ? ` with RUNS=${process.env.RUNS}` : ''}`,
    `- env overrides: ${Object.keys(process.env).filter((k) => k.startsWith('BENCH_')).map((k) => `${k}=${process.env[k]}`).join(' ') || 'none'}`,
    `- machine: nproc ${cpus.length}, ${cpus[0] ? cpus[0].model : 'unknown cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`,
    `- node ${process.version}; ${await serverVersion()} on 127.0.0.1, a fresh server per measurement`,
    `- cpu placement: ${require('./pin').describe()}`,
  ].join('\n');
}

async function write(results, { seconds, runs }) {
  const md = [
    '# Benchmark results',
    '',
    await machineNotes(),
    `- runs: median of ${runs} (the 1M-put and writes-per-command rows: see their run counts); whole run took ${(seconds / 60).toFixed(1)} min`,
    '',
    '## Summary',
    '',
    'Each cell: median value (median over runs of the ratio client/raw; each client run is paired with a raw run measured right before or right after it, the order alternating).',
    '‡ = the client has no pipelining: it accepts the concurrent calls but keeps one command in flight per connection.',
    '',
    summaryTable(results),
    '',
    '## Details',
    '',
    ...results.map(scenarioTable),
  ].join('\n');
  const file = process.env.BENCH_RESULTS || path.join(__dirname, 'RESULTS.md');
  fs.writeFileSync(file, `${md}\n`);
  return md;
}

module.exports = { scenarioTable, summaryTable, write };
