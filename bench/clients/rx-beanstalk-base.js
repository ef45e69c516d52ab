'use strict';
// rx-beanstalk from another build (BENCH_RX_BASE_DIST: an older checkout's dist/cjs/index.js),
// for a paired A/B in one run: with BENCH_REFERENCE=rx-beanstalk-base every rx-beanstalk run
// is paired with a run of the base build, and the ratio is new/base. Measured the same way
// as ./rx-beanstalk (same adapter code), so the pair differs only in the library's build.
const path = require('path');
const { adapterFor } = require('./rx-beanstalk');

const DIST = process.env.BENCH_RX_BASE_DIST;
const adapter = adapterFor(DIST ? path.resolve(DIST) : '', 'rx-beanstalk (base build)', `the build at ${DIST}`);

module.exports = {
  ...adapter,
  pairedOnly: true,
  unavailable: () => (DIST ? adapter.unavailable() : 'BENCH_RX_BASE_DIST is not set'),
};
