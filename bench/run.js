'use strict';
// `npm run bench`: every scenario x every client, RUNS times, each measurement in its own
// child process against its own fresh beanstalkd; server stats checked after each one;
// medians and paired ratios to raw printed and written to RESULTS.md.
const path = require('path');
const { spawn } = require('child_process');
const { startServer, serverStats, peekReadySize } = require('./server');
const { checkStats } = require('./check');
const scenarios = require('./scenarios');
const clients = require('./clients');
const { fmtValue, fmtRatio } = require('./stats');
const report = require('./report');
const pin = require('./pin');

const RUNS = Number(process.env.RUNS || 3);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT || 300) * 1000;
const pick = (name) => (process.env[name] ? process.env[name].split(',').map((s) => s.trim()) : null);
const onlyScenarios = pick('BENCH_SCENARIOS');
const onlyClients = pick('BENCH_CLIENTS');
// An A/B: every client is paired with this one instead of raw (e.g. rx-beanstalk-base).
const REFERENCE = process.env.BENCH_REFERENCE;

function runChild(scenarioId, clientKey, port) {
  return new Promise((resolve) => {
    const child = spawn(...pin.client(process.execPath, [path.join(__dirname, 'child.js'), scenarioId, clientKey, String(port)]), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) { resolve(JSON.parse(line.slice(7))); return; }
      const errLine = out.split('\n').find((l) => l.startsWith('ERROR '));
      const why = signal === 'SIGKILL' ? `timed out after ${TIMEOUT_MS / 1000}s`
        : errLine ? JSON.parse(errLine.slice(6)).split('\n')[0] : `exit ${code}: ${err.trim().split('\n').pop()}`;
      resolve({ error: why });
    });
  });
}

async function measure(scenario, clientKey) {
  const server = await startServer(scenario.server);
  try {
    const result = await runChild(scenario.id, clientKey, server.port);
    if (result.error) return result;
    const stats = await serverStats(server.port);
    result.mismatch = checkStats(result.claims, stats);
    if (result.claims.bodySize !== undefined && result.claims.put > result.claims.delete) {
      const size = await peekReadySize(server.port);
      if (size !== result.claims.bodySize) result.mismatch.push(`stored body is ${size} bytes, sent ${result.claims.bodySize}`);
    }
    if (result.extra && result.extra.errors) result.mismatch.push(`${result.extra.errors} command errors reported by the client`);
    return result;
  } finally {
    await server.stop();
  }
}

async function main() {
  const t0 = Date.now();
  const results = [];
  for (const scenario of scenarios) {
    if (onlyScenarios && !onlyScenarios.includes(scenario.id)) continue;
    // Clients are paired with raw, or with the scenario's own `reference` (the otel rows:
    // rx-beanstalk without telemetry), and a scenario may name its `clients`.
    if (REFERENCE) scenario.reference = REFERENCE; // the report names it as the reference
    const ref = scenario.reference || 'raw';
    const keys = [ref, ...((!REFERENCE && scenario.alsoRuns) || []), ...(scenario.clients ||
      Object.keys(clients).filter((k) => k !== 'raw' && !clients[k].consumeOnly && !clients[k].pairedOnly && (!onlyClients || onlyClients.includes(k))))];
    const entry = { scenario, clients: {} };
    for (const k of keys) {
      const a = clients[k];
      const skip = a.unavailable() || scenario.supports(a);
      entry.clients[k] = { name: a.name, skip, note: scenario.note ? scenario.note(a) : null, runs: [] };
      if (skip) console.error(`[${scenario.id}] skip ${a.name}: ${skip}`);
    }
    const runs = scenario.runs ? scenario.runs() : RUNS;
    for (let run = 0; run < runs; run++) {
      const others = keys.slice(1).filter((k) => !entry.clients[k].skip);
      const rotated = others.slice(run % Math.max(1, others.length)).concat(others.slice(0, run % Math.max(1, others.length)));
      // Each client run gets a raw run right beside it, raw first in even runs and second in
      // odd ones: this shared VM's speed drifts over minutes, and a client measured a minute
      // after its round's single raw run (behind a slow peer) drew a ratio off by ±20%.
      const rawFirst = run % 2 === 0;
      const pairs = rotated.length ? rotated.map((k) => (rawFirst ? [ref, k] : [k, ref])) : [[ref]];
      for (const pair of pairs) {
        const measured = [];
        for (const key of pair) measured.push([key, await measure(scenario, key)]);
        const rawValue = measured.find(([key]) => key === ref)[1].value;
        for (const [key, r] of measured) {
          const c = entry.clients[key];
          r.raw = rawValue; // raw's own run is paired with itself
          if (key === ref) c.runs.push(r);
          else {
            c.runs[run] = r;
            const ratio = r.value !== undefined && rawValue ? r.value / rawValue : NaN;
            const status = r.error ? `FAILED: ${r.error}` : `${fmtValue(r.value, scenario.unit)} (${fmtRatio(ratio)})`;
            console.error(`[${scenario.id} ${run + 1}/${runs}] ${c.name}: ${status}`);
          }
          if (r.mismatch && r.mismatch.length) console.error(`!!!!! MISMATCH [${scenario.id}] ${c.name}: ${r.mismatch.join('; ')}`);
        }
      }
    }
    results.push(entry);
    console.log(report.scenarioTable(entry));
  }
  const seconds = (Date.now() - t0) / 1000;
  const md = await report.write(results, { seconds, runs: RUNS });
  console.log(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
