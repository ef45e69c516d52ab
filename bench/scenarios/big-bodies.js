'use strict';
// 60 KB bodies: a producer (up to 16 puts outstanding) and one consumer (reserve -> delete)
// run at once; jobs/s until every job is deleted. Server started with -z 131072.
const { env, body, putWindow, consume, now, secondsSince, raw } = require('./common');

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
    let p, c, seconds;
    if (adapter.raw) {
      let claimed = 0;
      const t0 = now();
      [p, c] = await Promise.all([
        raw.putWindow(port, n, WINDOW, payload),
        raw.reserveDeleteWorker(port, () => (claimed < n ? (claimed++, true) : false), true),
      ]);
      seconds = secondsSince(t0);
    } else {
      const conn = await adapter.open(port);
      const t0 = now();
      [p, c] = await Promise.all([
        putWindow(conn, n, WINDOW, payload),
        consume(adapter, conn, port, n, 1),
      ]);
      seconds = secondsSince(t0);
      await conn.close();
    }
    return {
      value: n / seconds,
      extra: { n, seconds, errors: p.errors + c.errors, MBps: (n * payload.length) / seconds / 1e6 },
      claims: { put: p.inserted, delete: c.deleted },
    };
  },
};
