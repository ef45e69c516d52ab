'use strict';
// Put round-trip latency with 1 outstanding: p50 (value) and p99, in microseconds.
const { env, body, warmUpRounds, total, now, percentile, raw } = require('./common');
const progress = require('../progress');

function timedPuts(conn, n, payload) {
  const samples = new Float64Array(n);
  return new Promise((resolve) => {
    let i = 0, errors = 0, t0;
    const one = () => {
      t0 = now();
      conn.put(payload, (err) => {
        samples[i++] = Number(now() - t0) / 1000;
        progress.done++;
        if (err) errors++;
        if (i < n) one(); else resolve({ samples, inserted: n - errors, errors });
      });
    };
    one();
  });
}

module.exports = {
  id: 'put-latency',
  title: 'put round trip, 1 outstanding: p50 (p99)',
  unit: 'µs',
  better: 'lower',
  size: () => env('BENCH_N_LATENCY', 10000),
  supports: () => null,
  async measure(adapter, port) {
    const n = this.size();
    const payload = body(env('BENCH_BODY', 100));
    const w = [];
    let r;
    if (adapter.raw) {
      const s = await raw.connect(port);
      for (const count of warmUpRounds(n)) w.push(await raw.putLatencies(port, count, payload, s));
      r = await raw.putLatencies(port, n, payload, s);
      s.destroy();
    } else {
      const conn = await adapter.open(port);
      for (const count of warmUpRounds(n)) w.push(await timedPuts(conn, count, payload));
      r = await timedPuts(conn, n, payload);
      await conn.close();
    }
    const sorted = Array.from(r.samples).sort((a, b) => a - b);
    return {
      value: percentile(sorted, 0.5),
      extra: { n, p99: percentile(sorted, 0.99), errors: r.errors },
      claims: { put: total([...w, r], 'inserted'), delete: 0, bodySize: payload.length },
    };
  },
};
