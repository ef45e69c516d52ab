'use strict';
// Reserve+delete, concurrency 8, on 1 connection against 8 (issue 20): rx-beanstalk's
// reserve stream with `connections: 1` (one lane holding up to 8 jobs, topping up with
// reserve-with-timeout 0) beside `connections: 8` (today's lanes, one job each), the raw
// 1-socket pipelined ceiling and raw chained, all in the same run, pair by pair. The
// detail cell adds the server's CPU per job. Run it alone with
// BENCH_SCENARIOS=reserve-delete-conns.
const base = require('./reserve-delete');

module.exports = {
  ...base,
  id: 'reserve-delete-conns',
  title: 'reserve+delete, concurrency 8: 1 connection vs 8',
  alsoRuns: ['raw-pipelined', 'raw-chained', 'rx-8-connections', 'rx-1-connection'],
  supports(adapter) {
    if (!adapter.raw && !adapter.laneLayout) return 'reserve-delete-8 measures it; this row compares lane layouts';
    return adapter.reserveUnavailable ? adapter.reserveUnavailable() : null;
  },
};
