'use strict';
// The cost of rx-beanstalk/otel with @opentelemetry/api loaded but no SDK registered: put
// (256 outstanding) and reserve+delete (8 lanes) with `telemetry: openTelemetry()`, each run
// paired with plain rx-beanstalk instead of raw (the target: a ratio within 0.98-1.02).
// Run alone: BENCH_SCENARIOS=otel-put-256,otel-reserve-delete-8 npm --prefix bench run bench
const { make } = require('./put-window');
const reserveDelete = require('./reserve-delete');

const paired = { reference: 'rx-beanstalk', clients: ['rx-beanstalk-otel'], alsoRuns: [] };

module.exports = [
  {
    ...make({ id: 'otel-put-256', title: 'put 100 B, 256 outstanding: telemetry on, no SDK (ratio to rx-beanstalk without)', window: 256, sizeVar: 'BENCH_N', size: 50000 }),
    ...paired,
  },
  { ...reserveDelete, id: 'otel-reserve-delete-8', title: 'reserve+delete, 8 lanes: telemetry on, no SDK (ratio to rx-beanstalk without)', ...paired },
];
