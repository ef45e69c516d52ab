'use strict';
// Reserve+delete of pre-filled jobs with `workers` consumers: separate worker connections
// for raw and the peers (each reserve -> delete sequentially), lanes for rx-beanstalk.
// Two raw references run beside them: one socket fully pipelined (the server's ceiling),
// and 8 sockets that send each delete with the next reserve (what any consumer holding
// one job per connection can reach, as rx-beanstalk's lanes do).
const { env, body, warmUpRounds, total, consume, prefill, now, secondsSince, raw } = require('./common');
const { serverStats } = require('../server');

const WORKERS = 8;

/** Ready jobs once the server holds none reserved (the warm-up's connections are gone). */
async function readyWhenSettled(port) {
  for (let i = 0; i < 200; i++) {
    const stats = await serverStats(port);
    if (Number(stats['current-jobs-reserved']) === 0) return Number(stats['current-jobs-ready']);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('jobs still reserved 2 s after the warm-up');
}

/** beanstalkd's CPU seconds so far (user + system), from its own stats. */
async function serverCpuSeconds(port) {
  const stats = await serverStats(port);
  return Number(stats['rusage-utime']) + Number(stats['rusage-stime']);
}

module.exports = {
  id: 'reserve-delete-8',
  title: `reserve+delete, ${WORKERS} workers`,
  unit: 'jobs/s',
  better: 'higher',
  size: () => env('BENCH_N_RESERVE', 100000),
  supports: (adapter) => (adapter.reserveUnavailable ? adapter.reserveUnavailable() : null),
  alsoRuns: ['raw-pipelined', 'raw-chained'],
  async measure(adapter, port) {
    const n = this.size();
    // Untimed warm-up rounds on the same server first (common.warmUpRounds), so the timed
    // part is steady state.
    const rounds = warmUpRounds(n);
    const warm = rounds.reduce((a, b) => a + b, 0);
    await prefill(port, warm + n, body(env('BENCH_BODY', 100)));
    const run = async (count) => {
      if (adapter.consumeRaw) return adapter.consumeRaw(port, count, WORKERS);
      if (adapter.raw) return raw.reserveDelete(port, count, WORKERS);
      const conn = adapter.open ? await adapter.open(port) : null;
      try {
        return await consume(adapter, conn && conn.consume ? conn : null, port, count, WORKERS);
      } finally {
        if (conn) await conn.close();
      }
    };
    // A round that stops may have had a few more deletes in flight, and its lanes' reserved
    // jobs go back to ready once the server sees them close: each round starts settled, and
    // the timed one takes whatever is left.
    const w = [];
    let left = 0;
    for (const count of rounds) { w.push(await run(count)); left = await readyWhenSettled(port); }
    const cpu0 = await serverCpuSeconds(port);
    const t0 = now();
    const r = await run(left);
    const seconds = secondsSince(t0);
    // The server's own user+system CPU (its getrusage, via stats) over the timed part.
    const serverCpuUsPerJob = ((await serverCpuSeconds(port)) - cpu0) * 1e6 / left;
    return {
      value: left / seconds,
      extra: { n: left, seconds, errors: total([...w, r], 'errors'), serverCpuUsPerJob },
      // Every job deleted exactly once in the end: the server's counters must agree.
      claims: { put: warm + n, delete: warm + n },
    };
  },
};
