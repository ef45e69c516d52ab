'use strict';
// Reserve+delete of pre-filled jobs with `workers` consumers: separate worker connections
// for raw and the peers (each reserve -> delete sequentially), lanes for rx-beanstalk.
const { env, body, consume, prefill, now, secondsSince, raw } = require('./common');

const WORKERS = 8;

module.exports = {
  id: 'reserve-delete-8',
  title: `reserve+delete, ${WORKERS} workers`,
  unit: 'jobs/s',
  better: 'higher',
  size: () => env('BENCH_N_RESERVE', 100000),
  supports: (adapter) => (adapter.reserveUnavailable ? adapter.reserveUnavailable() : null),
  alsoRuns: ['raw-pipelined'],
  async measure(adapter, port) {
    const n = this.size();
    await prefill(port, n, body(env('BENCH_BODY', 100)));
    let r, seconds;
    if (adapter.consumePipelined) {
      const t0 = now();
      r = await adapter.consumePipelined(port, n);
      seconds = secondsSince(t0);
    } else if (adapter.raw) {
      const t0 = now();
      r = await raw.reserveDelete(port, n, WORKERS);
      seconds = secondsSince(t0);
    } else {
      const conn = adapter.open ? await adapter.open(port) : null;
      const t0 = now();
      r = await consume(adapter, conn && conn.consume ? conn : null, port, n, WORKERS);
      seconds = secondsSince(t0);
      if (conn) await conn.close();
    }
    return { value: n / seconds, extra: { n, seconds, errors: r.errors }, claims: { put: n, delete: r.deleted } };
  },
};
