'use strict';
// Every scenario, in the order they run and are reported.
const { make } = require('./put-window');

module.exports = [
  make({ id: 'put-1', title: 'put 100 B, 1 outstanding', window: 1, sizeVar: 'BENCH_N_SEQ', size: 20000 }),
  make({ id: 'put-256', title: 'put 100 B, 256 outstanding, one connection', window: 256, sizeVar: 'BENCH_N', size: 50000, requiresPipelining: true }),
  make({ id: 'put-10k', title: 'put 100 B, 10,000 outstanding, one connection', window: 10000, sizeVar: 'BENCH_N_10K', size: 50000, requiresPipelining: true }),
  require('./reserve-delete'),
  require('./reserve-delete-connections'),
  require('./latency'),
  require('./big-bodies'),
  require('./million'),
  require('./writes-per-command'),
  ...require('./otel'),
  ...require('./pool'),
  require('./tools').drain,
  require('./tools').move,
];
