'use strict';
// Helpers shared by scenarios: bodies, sizes from env, generic put windows and consumers.
const raw = require('../raw-client');
const progress = require('../progress');

const env = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);

const body = (size) => Buffer.alloc(size, 0x61); // 'a' * size

/**
 * Untimed operations before a timed part, the same for every client: BENCH_WARM (or the
 * timed size when smaller), split into BENCH_WARM_ROUNDS rounds; returns each round's count.
 * V8 tiers a function up by how much of it has run, so code that runs once per job is
 * optimised only after thousands of jobs, and its compiler threads share the client's
 * pinned core until then (60 KB bodies: 110 µs of user CPU per job at first, 30 once
 * steady, about 10,000 jobs in). More than one round, because a round's fresh closures and
 * sockets deoptimise code that the previous round's ones had specialised: with one warm-up
 * round, rx-beanstalk re-optimised about 100 functions during the timed round (2 rounds: 21).
 */
function warmUpRounds(n) {
  const operations = Math.min(env('BENCH_WARM', 10000), n);
  const rounds = Math.max(1, env('BENCH_WARM_ROUNDS', 2));
  const upTo = (k) => Math.floor((operations * k) / rounds);
  return Array.from({ length: rounds }, (_, k) => upTo(k + 1) - upTo(k));
}

/** Sums a field over results ({ inserted, deleted, errors, ... }). */
const total = (results, field) => results.reduce((sum, r) => sum + (r[field] || 0), 0);

/** `n` puts through a client connection with at most `window` outstanding. */
function putWindow(conn, n, window, payload) {
  return new Promise((resolve) => {
    if (n === 0) { resolve({ inserted: 0, errors: 0 }); return; }
    let sent = 0, done = 0, inserted = 0, errors = 0, firstError = null;
    const onDone = (err) => {
      done++;
      progress.done++;
      if (err) { errors++; firstError = firstError || err; } else inserted++;
      if (sent < n) { sent++; conn.put(payload, onDone); } else if (done === n) resolve({ inserted, errors, firstError });
    };
    const first = Math.min(window, n);
    for (let k = 0; k < first; k++) { sent++; conn.put(payload, onDone); }
  });
}

/** Reserve -> delete loops on `workers` separate worker connections, `n` jobs in all. */
async function consumeWithWorkers(adapter, port, n, workers) {
  let claimed = 0;
  const conns = await Promise.all(Array.from({ length: workers }, () => adapter.openWorker(port)));
  const loops = conns.map((c) => new Promise((resolve) => {
    let deleted = 0, errors = 0;
    const next = () => {
      if (claimed >= n) { resolve({ deleted, errors }); return; }
      claimed++;
      c.reserve((err, id) => {
        if (err) { errors++; next(); return; }
        c.del(id, (err2) => { progress.done++; if (err2) errors++; else deleted++; next(); });
      });
    };
    next();
  }));
  const results = await Promise.all(loops);
  await Promise.all(conns.map((c) => c.close()));
  return results.reduce((a, r) => ({ deleted: a.deleted + r.deleted, errors: a.errors + r.errors }), { deleted: 0, errors: 0 });
}

/** Consumes `n` jobs with `concurrency` workers/lanes, on `conn` when the client has its own way. */
function consume(adapter, conn, port, n, concurrency) {
  if (conn && conn.consume) return conn.consume(n, concurrency);
  return consumeWithWorkers(adapter, port, n, concurrency);
}

/** Fills the default tube with `n` jobs using the raw client (not timed). */
async function prefill(port, n, payload) {
  const r = await raw.putWindow(port, n, 1000, payload);
  if (r.inserted !== n) throw new Error(`prefill inserted ${r.inserted}/${n}`);
}

const now = () => process.hrtime.bigint();
const secondsSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

module.exports = { env, body, warmUpRounds, total, putWindow, consume, consumeWithWorkers, prefill, now, secondsSince, percentile, raw };
