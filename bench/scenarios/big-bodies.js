'use strict';
// 60 KB bodies: a producer (up to 16 puts outstanding) and one consumer (reserve -> delete)
// run at once; jobs/s until every job is deleted. Server started with -z 131072.
const { env, body, warmUpRounds, total, putWindow, consume, now, secondsSince, raw } = require('./common');

const WINDOW = 16;

module.exports = {
  id: 'big-bodies',
  title: '60 KB bodies: put + reserve + delete',
  unit: 'jobs/s',
  better: 'higher',
  server: { maxJobSize: 131072 },
  size: () => env('BENCH_N_BIG', 10000),
  supports: (adapter) => (adapter.reserveUnavailable ? adapter.reserveUnavailable() : null),
  async measure(adapter, port) {
    const n = this.size();
    const payload = body(env('BENCH_BIG_BODY', 60 * 1024));
    const conn = adapter.raw ? null : await adapter.open(port);
    const round = (count) => {
      if (adapter.raw) {
        let claimed = 0;
        return Promise.all([
          raw.putWindow(port, count, WINDOW, payload),
          raw.reserveDeleteWorker(port, () => (claimed < count ? (claimed++, true) : false), true),
        ]);
      }
      return Promise.all([putWindow(conn, count, WINDOW, payload), consume(adapter, conn, port, count, 1)]);
    };
    // Untimed warm-up rounds first (common.warmUpRounds), so the timed part is steady state.
    const warm = [];
    for (const count of warmUpRounds(n)) warm.push(await round(count));
    const puts = warm.map((w) => w[0]), consumed = warm.map((w) => w[1]);
    const t0 = now();
    const [p, c] = await round(n);
    const seconds = secondsSince(t0);
    if (conn) await conn.close();
    return {
      value: n / seconds,
      extra: { n, seconds, errors: total([...puts, ...consumed, p, c], 'errors'), MBps: (n * payload.length) / seconds / 1e6 },
      claims: { put: total([...puts, p], 'inserted'), delete: total([...consumed, c], 'deleted') },
    };
  },
};
