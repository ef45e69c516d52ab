'use strict';
// rx-beanstalk with `telemetry: openTelemetry()` (rx-beanstalk/otel) and no OpenTelemetry
// SDK registered: what the instrumentation costs when it is switched on but nobody listens.
// Only the otel-* scenarios run it, each run paired with plain rx-beanstalk.
//
// BENCH_RX_OTEL_DIST picks the build with the otel entry point (default: the root's
// dist/cjs); BENCH_RX_DIST then may point plain rx-beanstalk at an older build, so the pair
// compares that build without telemetry with this one with it.
const path = require('path');
const base = require('./rx-beanstalk');

const DIST = path.resolve(process.env.BENCH_RX_OTEL_DIST || path.join(__dirname, '../../dist/cjs/index.js'));
const OTEL = path.join(path.dirname(DIST), 'otel/index.js');

function unavailable() {
  try {
    require(DIST);
    require(OTEL);
    return null;
  } catch (err) {
    return `not built or no @opentelemetry/api: ${String(err.message).split('\n')[0]} (run \`npm run build\` at the root)`;
  }
}

module.exports = {
  ...base,
  name: 'rx-beanstalk + otel, no SDK',
  notes: 'this project with telemetry: openTelemetry() and no SDK registered',
  pairedOnly: true,
  unavailable,
  open: (port) => base.open(port, { telemetry: require(OTEL).openTelemetry() }, DIST),
};
