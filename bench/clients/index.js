'use strict';
// Every client measured, keyed by the name child.js is given. raw comes first: it is the
// reference every ratio is taken against.
//
// Each adapter is loaded on first use, so a measurement's child process loads only the
// client it measures. Loading all of them put every peer's code (core-js, lodash, yargs,
// bluebird...) on the measured client's heap: 3x the live heap, and with 60 KB bodies V8
// then ran an incremental mark-compact every ~500 jobs instead of once per run, costing
// rx-beanstalk about 30 µs of CPU per job (the others too, in proportion to their garbage).
const files = {
  raw: './raw',
  'raw-pipelined': './raw-pipelined',
  'raw-chained': './raw-chained',
  'rx-beanstalk': './rx-beanstalk',
  'rx-1-connection': './rx-1-connection',
  'rx-8-connections': './rx-8-connections',
  fivebeans: './fivebeans',
  jackd: './jackd',
  'node-beanstalk': './node-beanstalk',
  beanstalkd: './beanstalkd',
  'rx-beanstalk-otel': './rx-beanstalk-otel',
  'rx-beanstalk-base': './rx-beanstalk-base',
};

for (const [key, file] of Object.entries(files)) {
  Object.defineProperty(module.exports, key, { enumerable: true, get: () => require(file) });
}
